"""Text normalization: Unicode NFC, collapsed whitespace, and repair of unambiguous mangled LaTeX.

Abstracts scraped from listing pages carry LaTeX that lost its backslash (``2.31times``, ``256times256``,
``runx2014each``) or kept it (``55.8\\%``, ``{\\it word}``). We repair only forms with one clear reading;
anything doubtful is left as it is. Callers keep the original text beside the normalized one.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "title_key"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\ufeff]")
_SPACE = re.compile(r"\s+")

# (pattern, replacement) applied in order; each has exactly one reading.
_LATEX_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Escaped specials: \% \_ \& \# \$ -> the character.
    (re.compile(r"\\([%_&#$])"), r"\1"),
    # Font switches with a braced argument: {\it word} {\em word} {\bf word} -> word.
    (re.compile(r"\{\\(?:it|em|bf|sl|sc|tt|rm)\s+([^{}]*)\}"), r"\1"),
    # \textbf{T}ests, \emph{word}, \textit{..} -> contents.
    (re.compile(r"\\(?:textbf|textit|emph|texttt|textrm|textsc|mathrm|mathbf|text)\{([^{}]*)\}"), r"\1"),
    # \url{https://...} -> the URL.
    (re.compile(r"\\url\{([^{}\s]*)\}"), r"\1"),
    # Accents that survive in titles: na\"{\i}ve, na\"ive -> naïve.
    (re.compile(r'\\"\{\\i\}|\\"\\i\b|\\"\{i\}|\\"i'), "\u00ef"),
    (re.compile(r"\\L(?:\{\}|\s)(?=[a-z])"), "\u0141"),
    # Multiplication: \times, {times}, and digit-glued 'times' (2.31times, 256times256, 64{times}64).
    (re.compile(r"\$?\\times\$?"), "\u00d7"),
    (re.compile(r"\{times\}"), "\u00d7"),
    (re.compile(r"(?<=\d)times\b"), "\u00d7"),
    (re.compile(r"(?<=\d)times(?=\d)"), "\u00d7"),
    # Lost unicode escapes for dashes and quotes glued between letters: runx2014each -> run\u2014each.
    (re.compile(r"(?<=[A-Za-z])x(20(?:1[0-9]|2[0-7]))(?=[A-Za-z])"), lambda m: chr(int(m.group(1), 16))),  # type: ignore[list-item]
    # \sim / sim before a number: (sim50%) -> (~50%).
    (re.compile(r"\\sim\s*(?=\d)|(?<![A-Za-z])sim(?=\d)"), "~"),
    # Greek letters written as braced or bare commands.
    (re.compile(r"\{\\(alpha|beta|gamma|delta|epsilon|lambda|mu|sigma|tau|theta|pi|rho|phi|omega)\}|\\(alpha|beta|gamma|delta|epsilon|lambda|mu|sigma|tau|theta|pi|rho|phi|omega)\b"),
     lambda m: _GREEK[m.group(1) or m.group(2)]),  # type: ignore[list-item]
)

# Every rule above needs one of these; most abstracts have none, so one search skips all of them.
_LATEX_TRIGGER = re.compile(r"[\\{]|times|x20[12]|sim\d")

_GREEK = {
    "alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3", "delta": "\u03b4", "epsilon": "\u03b5",
    "lambda": "\u03bb", "mu": "\u03bc", "sigma": "\u03c3", "tau": "\u03c4", "theta": "\u03b8", "pi": "\u03c0",
    "rho": "\u03c1", "phi": "\u03c6", "omega": "\u03c9",
}


def normalize_text(text: str, *, repair_latex: bool = True) -> str:
    """Return `text` in NFC with control characters dropped, whitespace collapsed and LaTeX repaired.

    >>> normalize_text("uses 55.8\\\\% of the FLOPs,  a 2.31times speedup")
    'uses 55.8% of the FLOPs, a 2.31\u00d7 speedup'
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    if repair_latex and _LATEX_TRIGGER.search(text):
        for pattern, repl in _LATEX_RULES:
            text = pattern.sub(repl, text)
    return _SPACE.sub(" ", text).strip()


_KEY_DROP = re.compile(r"[^\w]+")


def title_key(title: str) -> str:
    """Return the key under which two titles count as the same paper: casefolded NFKC words only.

    >>> title_key("Mixture-of-Transformers:  A Sparse") == title_key("mixture of transformers - a sparse")
    True
    """
    text = unicodedata.normalize("NFKC", normalize_text(title)).casefold()
    return _KEY_DROP.sub(" ", text).strip()

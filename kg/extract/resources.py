"""Load the extractor's data files: curated lexicons, cue-word lists and tokenizer settings.

Everything the rules know about words lives in JSON/JSONL files next to this module, so a rule can be tuned
without touching Python. Files are read once per process (``functools.cache``) and returned as immutable
structures, so components built from them can be shared and pickled to worker processes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

from kg.errors import ExtractionError

__all__ = [
    "DATA_DIR",
    "LEXICON_DIR",
    "LEXICON_TYPES",
    "LexiconEntry",
    "Cues",
    "read_jsonl",
    "load_lexicon",
    "load_generic",
    "load_cues",
    "load_tokenizer_settings",
    "not_name_regex",
    "lexicon_index",
    "lexicon_lookup",
    "lexicon_prefix",
    "phrase_stats",
    "word_clusters",
]

DATA_DIR = Path(__file__).resolve().parent
LEXICON_DIR = DATA_DIR / "lexicon"
PATTERN_DIR = DATA_DIR / "patterns"

#: lexicon file stem -> entity type it defines
LEXICON_TYPES: dict[str, str] = {"method": "Method", "dataset": "Dataset", "metric": "Metric", "task": "Task"}


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon line: a canonical `name`, its `aliases`, the entity `type` and whether case matters."""

    name: str
    aliases: tuple[str, ...]
    type: str | None
    case_sensitive: bool

    @property
    def forms(self) -> tuple[str, ...]:
        """The name followed by every alias, without duplicates, in file order."""
        seen: dict[str, None] = {}
        for form in (self.name, *self.aliases):
            if isinstance(form, str) and form.strip():
                seen.setdefault(form.strip(), None)
        return tuple(seen)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file.

    Raises ExtractionError naming the file and line when a line is not a JSON object, because a broken
    pattern file must stop the build rather than silently drop rules.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractionError(f"cannot read pattern file {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExtractionError(f"{path}:{number}: invalid JSON in pattern file: {exc.msg}") from exc
        if not isinstance(obj, dict):
            raise ExtractionError(f"{path}:{number}: expected a JSON object")
        yield number, obj


def _entries(path: Path, type_: str | None, default_case: bool) -> list[LexiconEntry]:
    out: list[LexiconEntry] = []
    if not path.exists():
        return out
    for number, obj in read_jsonl(path):
        name = obj.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ExtractionError(f"{path}:{number}: lexicon entry has no 'name'")
        aliases = obj.get("aliases") or []
        if not isinstance(aliases, list):
            raise ExtractionError(f"{path}:{number}: 'aliases' must be a list")
        out.append(
            LexiconEntry(
                name=name.strip(),
                aliases=tuple(a for a in aliases if isinstance(a, str)),
                type=type_,
                case_sensitive=bool(obj.get("case_sensitive", default_case)),
            )
        )
    return out


@cache
def load_lexicon(directory: Path | None = None) -> tuple[LexiconEntry, ...]:
    """Read ``method/dataset/metric/task.jsonl`` from the curated lexicon and our seed lexicon.

    The curated lexicon (``lexicon/``) comes first; ``patterns/seed/`` holds a few general-field entries
    so that the pipeline works while the curated files are empty or partial. Missing files are fine.
    """
    dirs = [directory] if directory is not None else [LEXICON_DIR, PATTERN_DIR / "seed"]
    out: list[LexiconEntry] = []
    for k, d in enumerate(dirs):
        known = {f if e.case_sensitive else f.lower() for e in out for f in e.forms}
        for stem, type_ in LEXICON_TYPES.items():
            for e in _entries(d / f"{stem}.jsonl", type_, default_case=False):
                if k == 0:
                    out.append(e)
                    continue
                # seed entries only fill gaps: a surface the curated lexicon knows keeps its curated sense
                forms = tuple(f for f in e.forms if f not in known and f.lower() not in known)
                if forms:
                    out.append(LexiconEntry(forms[0], forms[1:], e.type, e.case_sensitive))
    return tuple(out)


@cache
def load_generic(directory: Path | None = None) -> tuple[LexiconEntry, ...]:
    """Read the non-entities (generic phrases such as "neural networks"), always matched case-insensitively."""
    dirs = [directory] if directory is not None else [LEXICON_DIR, PATTERN_DIR / "seed"]
    out: list[LexiconEntry] = []
    for d in dirs:
        for e in _entries(d / "generic.jsonl", None, default_case=False):
            out.append(LexiconEntry(e.name, e.aliases, None, False))
    return tuple(out)


@cache
def lexicon_index() -> dict[str, tuple[str, str]]:
    """Every lexicon surface -> (type, canonical name): exact forms, plus lower-cased forms of entries that are
    not case-sensitive (stored lower-cased). First entry wins, as in the matcher's file order."""
    index: dict[str, tuple[str, str]] = {}
    for e in load_lexicon():
        if e.type is None:
            continue
        for form in e.forms:
            index.setdefault(form if e.case_sensitive else form.lower(), (e.type, e.name))
    return index


def lexicon_lookup(surface: str) -> tuple[str, str] | None:
    """(type, canonical name) of a lexicon surface, exact first, then case-insensitively; None if unknown."""
    index = lexicon_index()
    return index.get(surface) or index.get(surface.lower())


def lexicon_prefix(surface: str) -> tuple[str, str] | None:
    """(type, canonical name) of the longest lexicon surface that `surface` extends with a version/size tail:
    "CIFAR-10.1" -> CIFAR-10 (Dataset), "Llama-3.1-8B-Instruct" -> LLaMA (Method), "ImageNet-R" -> ImageNet.
    The cut must fall before a separator ("-", "_", ".", "/") or between a letter and a digit."""
    n = len(surface)
    marked = [False] * (n + 1)  # marked[k]: the tail surface[k:] holds a digit or an upper-case letter
    for k in range(n - 1, -1, -1):
        c = surface[k]
        marked[k] = marked[k + 1] or c.isdigit() or c.isupper()
    if not marked[0]:
        return None
    for k in range(n - 1, 1, -1):
        nxt, prev = surface[k], surface[k - 1]
        if not marked[k]:
            continue  # "ImageNet-pretrained", "CUB-to": a word, not a version
        if nxt in "-_./" or (nxt.isdigit() and prev.isalpha()):
            hit = lexicon_lookup(surface[:k])
            if hit is not None:
                return hit
    return None


@cache
def phrase_stats(path: Path | None = None) -> dict[str, list[int]]:
    """Phrase -> [occurrences, task, for, metric] context counts mined from corpus-large by
    ``scripts/mine_phrase_stats.py`` (``lexicon/phrase_stats.json``), features of the learned decision."""
    path = path or LEXICON_DIR / "phrase_stats.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["phrases"]
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise ExtractionError(f"cannot load phrase statistics {path}: {exc}") from exc


@cache
def word_clusters(path: Path | None = None) -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
    """(cluster counts per granularity, lower-case word -> its cluster id at each) from corpus-large word vectors
    (``scripts/train_word_clusters.py``, ``lexicon/word_clusters.json``), features of the learned decision."""
    path = path or LEXICON_DIR / "word_clusters.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        levels = tuple(int(k) for k in data["info"]["levels"])
        return levels, {w: tuple(ids) for w, ids in data["words"].items()}
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ExtractionError(f"cannot load word clusters {path}: {exc}") from exc


@dataclass(frozen=True)
class Cues:
    """Cue-word lists from ``patterns/cues.json``, as frozensets for fast membership tests."""

    lists: dict[str, frozenset[str]]
    numbers: dict[str, int]
    text: dict[str, str]

    def __getitem__(self, key: str) -> frozenset[str]:
        try:
            return self.lists[key]
        except KeyError:
            raise ExtractionError(f"patterns/cues.json has no list {key!r}") from None


@cache
def load_cues(path: Path | None = None) -> Cues:
    """Read the cue lists (propose verbs, dataset heads, task heads, stop words...)."""
    path = path or PATTERN_DIR / "cues.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExtractionError(f"cannot load cue file {path}: {exc}") from exc
    lists = {k: frozenset(v) for k, v in raw.items() if isinstance(v, list)}
    numbers = {k: int(v) for k, v in raw.items() if isinstance(v, int)}
    text = {k: v for k, v in raw.items() if isinstance(v, str)}
    return Cues(lists, numbers, text)


@cache
def not_name_regex() -> re.Pattern[str]:
    """One compiled alternation of ``not_name_patterns`` (cues.json): surfaces that are never entities."""
    pats = sorted(load_cues()["not_name_patterns"])
    # a leading global "(?i)" becomes a scoped flag so the patterns can be joined
    parts = [f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in pats]
    return re.compile("|".join(parts) or r"(?!)")


@cache
def load_tokenizer_settings(path: Path | None = None) -> dict:
    """Read ``patterns/tokenizer.json`` (hyphen suffixes to split off, and so on)."""
    path = path or PATTERN_DIR / "tokenizer.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExtractionError(f"cannot load tokenizer settings {path}: {exc}") from exc

"""Escaping for everything untrusted that goes into a page, and the files the pages share.

Titles, abstracts, names and aliases come from input files nobody vetted, so they only ever reach a page as
escaped HTML text (`esc`), quoted escaped attributes (`attr`), JSON inside a ``<script type=
"application/json">`` block with every character that could end the block escaped (`script_json`), or link
targets that can only be relative pages or http(s) addresses (`safe_url`).
"""

from __future__ import annotations

import html
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.errors import OutputError

__all__ = ["esc", "attr", "script_json", "safe_url", "asset_text", "vis_files", "ASSETS"]

# Our own scripts and stylesheet (kg/views/assets) and vis-network as bundled by pyvis.
ASSETS: tuple[str, ...] = ("kg.css", "kg-graph.js", "kg-search.js", "kg-browse.js", "kg-map.js")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def esc(text: object) -> str:
    """HTML-escape `text` for element content (``<``, ``>``, ``&``, both quotes)."""
    return html.escape("" if text is None else str(text), quote=True)


def attr(text: object) -> str:
    """A double-quoted, escaped attribute value: ``title={attr(x)}``."""
    return f'"{esc(text)}"'


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, no line separators.

    >>> print(script_json({"t": "</script><script>alert(1)</script>"}))
    {"t":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def safe_url(url: object) -> str | None:
    """`url` when it is an http(s) address (so never ``javascript:`` or ``data:``), otherwise None."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    return text if text.lower().startswith(("https://", "http://")) and " " not in text else None


@cache
def asset_text(name: str) -> str:
    """The text of one of our own assets (kg/views/assets/NAME)."""
    return resources.files("kg.views").joinpath("assets", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vis_files() -> tuple[Path, Path]:
    """(vis-network.min.js, vis-network.css) as shipped inside the installed pyvis package.

    pyvis bundles the vis-network build it targets under ``pyvis/templates/lib/vis-<version>``; the newest one
    there is used, so no page ever needs the network to draw a graph.
    """
    try:
        import pyvis
    except ImportError as exc:  # pragma: no cover - pyvis is a dependency
        raise OutputError("pyvis is not installed; `pip install pyvis` (it ships vis-network)") from exc
    lib = Path(pyvis.__file__).parent / "templates" / "lib"

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in path.name.removeprefix("vis-").split(".") if p.isdigit())

    for folder in sorted(lib.glob("vis-*"), key=version, reverse=True):
        js, css = folder / "vis-network.min.js", folder / "vis-network.css"
        if js.is_file() and css.is_file():
            return js, css
    raise OutputError(f"{lib}: no vis-network build found in the pyvis package; reinstall pyvis")

"""`site` (kg site): the whole graph as a static site that works from ``file://`` with the network off.

Layout of the folder::

    index.html                 counts, most used methods/datasets/metrics/tasks, search over everything
    method/<slug>.html ...     one page per entity (also dataset/, metric/, task/)
    paper/<slug>.html          one page per paper
    assets/                    vis-network (from pyvis), kg.css, kg-graph.js, kg-search.js, search-index.js
    manifest.json              marks the folder as a kg site (so a rebuild may replace it)

The folder is built next to OUT_DIR and swapped in whole (`kg.outputs.atomic_directory`). Pages share one
renderer script and embed only their own small graph JSON, so thousands of pages take seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from kg import __version__
from kg.errors import OutputError
from kg.graph.stats import ENTITY_TYPES
from kg.outputs import MANIFEST, atomic_directory
from kg.views import pages
from kg.views.html import ASSETS, asset_text, esc, script_json, vis_files
from kg.views.pages import Link, Span, link
from kg.views.paths import page_paths
from kg.views.render import vis_data
from kg.views.standalone import load_graph
from kg.views.subgraph import find_text, neighbourhood, node_label

__all__ = ["SiteReport", "site", "write_site", "SITE_KIND"]

SITE_KIND = "kg-site"
ENTITY_VIEW = {"hops": 2, "max_nodes": 80}
PAPER_VIEW = {"hops": 1, "max_nodes": 80}
_TOP = 15
_COOCCUR = 30
_PAPERS_PER_ENTITY = 500
_WRITERS = 8


@dataclass(frozen=True)
class SiteReport:
    """What `site` wrote: the folder, pages by type, and how long it took."""

    out: Path
    pages: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        """Number of HTML pages, the index included."""
        return sum(self.pages.values()) + 1


def site(graph_dir: Path | nx.MultiDiGraph, out: Path) -> SiteReport:
    """Write the site of the graph built in `graph_dir` (or of a graph object) to the folder `out`."""
    graph = graph_dir if isinstance(graph_dir, nx.MultiDiGraph) else load_graph(Path(graph_dir))
    if not isinstance(graph_dir, nx.MultiDiGraph) and Path(out).resolve() == Path(graph_dir).resolve():
        raise OutputError(f"{out}: is the graph folder itself; choose another folder for the site")
    return write_site(graph, Path(out))


def write_site(graph: nx.MultiDiGraph, out: Path) -> SiteReport:
    """Write the site of `graph` to `out`, replacing a previous site there atomically.

    Refuses to replace a folder that is not a kg site (a build output, or anyone's files).
    """
    started = time.perf_counter()
    out = Path(out)
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            kind = json.loads(manifest.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != SITE_KIND:
            raise OutputError(f"{out}: holds a kg build or another output, not a site; choose another folder")
    counts: Counter[str] = Counter()
    with atomic_directory(out) as tmp, ThreadPoolExecutor(_WRITERS) as writers:
        _write_assets(tmp)
        builder = _Builder(graph)
        pending = []
        for rel, html, kind in builder.pages():
            path = tmp / rel
            path.parent.mkdir(exist_ok=True)
            pending.append(writers.submit(_write_synced, path, html))
            counts[kind] += 1
        for done in pending:
            done.result()
        (tmp / "index.html").write_text(builder.index(), encoding="utf-8")
        (tmp / pages.SEARCH_INDEX).write_text(builder.search_index(), encoding="utf-8")
        seconds = time.perf_counter() - started
        (tmp / MANIFEST).write_text(json.dumps({
            "kind": SITE_KIND, "kg_version": __version__, "pages": dict(sorted(counts.items())),
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "seconds": round(seconds, 2),
        }, indent=2) + "\n", encoding="utf-8")
    return SiteReport(out, dict(sorted(counts.items())), time.perf_counter() - started)


def _write_synced(path: Path, text: str) -> None:
    """Write and fsync one page. Run on a few threads: thousands of fsyncs one after the other take many
    seconds, and `atomic_directory`'s own fsync of the finished folder is then quick."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _write_assets(folder: Path) -> None:
    assets = folder / "assets"
    assets.mkdir()
    js, css = vis_files()
    shutil.copyfile(js, assets / "vis-network.min.js")
    shutil.copyfile(css, assets / "vis-network.css")
    for name in ASSETS:
        (assets / name).write_text(asset_text(name), encoding="utf-8")


def _num(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else esc(value)


class _Builder:
    """Indexes the graph once (papers per entity, co-occurrence, results), then renders page after page."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.paths = page_paths(graph)
        self.cache: dict[Any, dict[str, Any]] = {}
        self.types = {str(n): str(d.get("type", "?")) for n, d in graph.nodes(data=True)}
        self.entity_papers: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        self.paper_entities: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        self.results_of: dict[str, list[str]] = defaultdict(list)
        for u, v, key, data in graph.edges(keys=True, data=True):
            tu, tv = self.types.get(u), self.types.get(v)
            if tu == "Paper" and tv in ENTITY_TYPES:
                self.entity_papers[v].append((u, str(key), data))
                self.paper_entities[u].append((v, str(key), data))
            elif tu == "Paper" and tv == "Result":
                self.results_of[u].append(v)
            elif tu == "Result" and tv in ENTITY_TYPES:
                self.results_of[v].append(u)
        self.cooccur: dict[str, Counter[str]] = defaultdict(Counter)
        for entities in self.paper_entities.values():
            ids = sorted({e for e, _, _ in entities})
            for a in ids:
                for b in ids:
                    if a != b:
                        self.cooccur[a][b] += 1

    def _name(self, node: str) -> str:
        return node_label(self.graph.nodes[node], node)

    def _link(self, node: str, badge: bool = False) -> str:
        data = self.graph.nodes[node]
        return link(Link(node_label(data, node), self.paths.get(node), self.types.get(node) if badge else None))

    def pages(self) -> Iterator[tuple[str, str, str]]:
        """Yield (path, html, type) for every entity and paper page."""
        for node in sorted(self.paths):
            kind = self.types.get(node)
            if kind == "Result":
                continue
            html = self._paper(node) if kind == "Paper" else self._entity(node)
            yield self.paths[node], html, str(kind)

    def _view(self, node: str, hops: int, max_nodes: int) -> str:
        sub, left_out = neighbourhood(self.graph, node, hops=hops, max_nodes=max_nodes)
        data = vis_data(self.graph, sub, node, url_of=self.paths.get, left_out=left_out, cache=self.cache)
        data["root"] = "../"
        note = f"{sub.number_of_nodes()} nodes within {hops} step{'s' if hops > 1 else ''}"
        if left_out:
            note += f" (the {max_nodes} nearest; {left_out} more left out)"
        return pages.graph_section(data, note)

    def _results_table(self, result_ids: list[str]) -> str:
        rows = []
        for rid in sorted(set(result_ids)):
            data = self.graph.nodes[rid]
            links = {str(k): t for _, t, k in self.graph.out_edges(rid, keys=True)}
            cells = [esc(data.get("value", ""))]
            for rel in ("OF_METHOD", "ON_DATASET", "MEASURED_BY"):
                cells.append(self._link(links[rel]) if rel in links else "")
            paper = data.get("paper")
            cells.append(self._link(paper) if isinstance(paper, str) and paper in self.graph else esc(paper))
            evidence = [e for _, t, k, d in self.graph.in_edges(rid, keys=True, data=True)
                        for e in d.get("evidence") or () if isinstance(e, dict)]
            cells.append(f'<span class="kg-evidence">{esc(evidence[0].get("sentence", ""))}</span>' if evidence else "")
            rows.append(cells)
        return pages.table(["value", "method", "dataset", "metric", "paper", "sentence"], rows)

    def _entity(self, node: str) -> str:
        data = self.graph.nodes[node]
        kind = self.types[node]
        name = node_label(data, node)
        aliases = [str(a) for a in data.get("aliases") or () if str(a) != name]
        variants_of = [v for _, v, k in self.graph.out_edges(node, keys=True) if k == "VARIANT_OF"]
        variants = [u for u, _, k in self.graph.in_edges(node, keys=True) if k == "VARIANT_OF"]
        papers = sorted(self.entity_papers.get(node, ()),
                        key=lambda p: (str(self.graph.nodes[p[0]].get("date") or ""), p[0]), reverse=True)
        paper_rows = []
        for paper, relation, edge in papers[:_PAPERS_PER_ENTITY]:
            evidence = [e for e in edge.get("evidence") or () if isinstance(e, dict)]
            sentence = evidence[0].get("sentence", "") if evidence else ""
            paper_rows.append([self._link(paper), esc(relation), esc(edge.get("role") or ""),
                               esc(self.graph.nodes[paper].get("date") or ""),
                               f'<span class="kg-evidence">{esc(sentence)}</span>'])
        extra = len(papers) - _PAPERS_PER_ENTITY
        more = f'<p class="kg-meta">and {extra} more</p>' if extra > 0 else ""
        together = sorted(self.cooccur.get(node, Counter()).items(),
                          key=lambda item: (-item[1], self._name(item[0]).casefold(), item[0]))[:_COOCCUR]
        co_rows = [[self._link(other), esc(self.types.get(other, "")), str(count)] for other, count in together]
        body = [
            f'<h1>{esc(name)} <span class="kg-type">{esc(kind)}</span></h1>',
            pages.meta_rows([
                ("papers", esc(data.get("paper_count", len(papers)))),
                ("aliases", esc(", ".join(aliases))),
                ("variant of", ", ".join(self._link(v) for v in variants_of)),
                ("variants", ", ".join(self._link(v) for v in sorted(variants))),
                ("id", esc(node)),
            ]),
            self._view(node, **ENTITY_VIEW),
            f"<h2>Papers ({len(papers)})</h2>",
            pages.table(["paper", "relation", "role", "date", "evidence"], paper_rows) + more,
            "<h2>Named together with</h2>",
            pages.table(["entity", "type", "shared papers"], co_rows, numeric=[2]),
        ]
        if self.results_of.get(node) or kind in ("Dataset", "Metric"):
            body += [f'<h2 id="results">Results ({len(set(self.results_of.get(node, ())))})</h2>',
                     self._results_table(self.results_of.get(node, []))]
        return pages.page(f"{name} ({kind}) - kg", "\n".join(body), graph=True)

    def _paper(self, node: str) -> str:
        data = self.graph.nodes[node]
        title = str(data.get("title") or node)
        spans: dict[str, list[Span]] = defaultdict(list)
        entity_rows = []
        order = {t: i for i, t in enumerate(ENTITY_TYPES)}
        entities = sorted(self.paper_entities.get(node, ()),
                          key=lambda e: (order.get(self.types.get(e[0], ""), 9), self._name(e[0]).casefold(), e[0]))
        for entity, relation, edge in entities:
            ename = node_label(self.graph.nodes[entity], entity)
            evidence = [e for e in edge.get("evidence") or () if isinstance(e, dict)]
            for ev in evidence:
                if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
                    spans[str(ev.get("field"))].append(
                        Span(ev["start"], ev["end"], entity, ename, self.types[entity], self.paths.get(entity)))
            sentences = list(dict.fromkeys(str(e.get("sentence", "")) for e in evidence if e.get("sentence")))
            confidence = edge.get("confidence")
            entity_rows.append([self._link(entity), esc(self.types[entity]), esc(relation), esc(edge.get("role") or ""),
                                _num(confidence) if confidence is not None else "",
                                f'<span class="kg-evidence">{esc(" / ".join(sentences[:2]))}</span>'])
        authors = [str(a) for a in data.get("authors") or ()]
        abstract = str(data.get("abstract") or "")
        body = [
            f'<h1 class="kg-title">{pages.highlight(title, spans.get("title", ()))}</h1>',
            pages.meta_rows([
                ("authors", esc(", ".join(authors))),
                ("date", esc(data.get("date") or "")),
                ("arXiv", esc(data.get("arxiv_id") or "")),
                ("link", pages.external(data.get("url"))),
                ("categories", esc(", ".join(str(c) for c in data.get("categories") or ()))),
                ("sources", esc(", ".join(str(s) for s in data.get("sources") or ()))),
                ("id", esc(node)),
            ]),
            "<h2>Abstract</h2>",
            f'<p class="kg-abstract">{pages.highlight(abstract, spans.get("abstract", ()))}</p>',
            self._view(node, **PAPER_VIEW),
            f"<h2>Entities ({len(entities)})</h2>",
            pages.table(["entity", "type", "relation", "role", "confidence", "evidence"], entity_rows, numeric=[4]),
            f'<h2 id="results">Results ({len(self.results_of.get(node, ()))})</h2>',
            self._results_table(self.results_of.get(node, [])),
        ]
        return pages.page(f"{title} - kg", "\n".join(body), graph=True)

    def index(self) -> str:
        """The front page: counts by type, the most used entities of each type, search over everything."""
        counts = Counter(self.types.values())
        edges = Counter(str(d.get("type", k)) for _, _, k, d in self.graph.edges(keys=True, data=True))
        count_rows = [[esc(t), str(n)] for t, n in sorted(counts.items())]
        edge_rows = [[esc(t), str(n)] for t, n in sorted(edges.items())]
        columns = []
        for kind in ENTITY_TYPES:
            ranked = sorted((n for n, t in self.types.items() if t == kind),
                            key=lambda n: (-int(self.graph.nodes[n].get("paper_count") or 0),
                                           node_label(self.graph.nodes[n], n).casefold(), n))[:_TOP]
            rows = [[link(Link(node_label(self.graph.nodes[n], n), self.paths.get(n)), root=""),
                     esc(self.graph.nodes[n].get("paper_count", 0))] for n in ranked]
            ranking = pages.table([kind, "papers"], rows, [1])
            columns.append(f"<section><h2>Most used {kind.lower()}s</h2>{ranking}</section>")
        body = "\n".join([
            "<h1>Knowledge graph</h1>",
            '<section><h2>Search</h2><input id="kg-search" type="search" data-root="" autocomplete="off" '
            'placeholder="Search entities and papers by name, alias or title" aria-label="Search entities and papers">'
            ' <span id="kg-search-status" class="kg-meta"></span><ul id="kg-search-results"></ul></section>',
            '<div class="kg-cols">',
            f"<section><h2>Nodes</h2>{pages.table(['type', 'count'], count_rows, [1])}</section>",
            f"<section><h2>Edges</h2>{pages.table(['relation', 'count'], edge_rows, [1])}</section>",
            "</div>",
            f'<div class="kg-cols">{"".join(columns)}</div>',
        ])
        return pages.page("kg: knowledge graph", body, root="", search=True)

    def search_index(self) -> str:
        """assets/search-index.js: every entity and paper with the words it can be found by."""
        entries: list[tuple[str, str, str, str, int]] = []
        for node in sorted(self.paths):
            kind = self.types.get(node)
            if kind == "Result":
                continue
            data = self.graph.nodes[node]
            label = node_label(data, node)
            words = [label, *(str(a) for a in data.get("aliases") or ()), node, str(data.get("arxiv_id") or "")]
            find = find_text(words)
            papers = data.get("paper_count", 0)
            count = papers if isinstance(papers, int) else 0
            entries.append((label, str(kind), self.paths[node], find, count))
        entries.sort(key=lambda e: (-e[4], e[0].casefold(), e[2]))
        return f"window.KG_INDEX = {script_json({'entries': [list(e) for e in entries]})};\n"

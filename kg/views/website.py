"""`site` (kg site): the whole graph as a static site that works from ``file://`` with the network off.

Layout of the folder::

    index.html                 search, most used and rising entities, leaderboards, the map, counts
    browse/<type>.html         every method, dataset, task, metric and paper, sortable and filterable
    method/<slug>.html ...     one page per entity (also dataset/, metric/, task/): leaderboards, papers per
                               month, the entity graph around it, its papers with their sentences
    paper/<slug>.html          one page per paper
    assets/                    vis-network (from pyvis), our scripts (the map's WebGL renderer among them)
                               and stylesheet, search-index.js, map-data.js
    manifest.json              marks the folder as a kg site (so a rebuild may replace it)

The folder is built next to OUT_DIR, flushed to disk in one `syncfs` and swapped in whole
(`kg.outputs.atomic_directory`). Pages share one renderer script and embed only their own small graph JSON.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from kg import __version__
from kg.errors import OutputError
from kg.graph.resolve import surface_key
from kg.graph.stats import ENTITY_TYPES
from kg.outputs import MANIFEST, atomic_directory
from kg.views import pages
from kg.views.browse import BROWSE_DIR, BrowseRow, browse_page
from kg.views.entitygraph import PaperIndex, entity_neighbourhood
from kg.views.html import ASSETS, asset_text, attr, esc, script_json, vis_files
from kg.views.leaderboard import Board, Leaderboards, Row
from kg.views.pages import Link, Span, link
from kg.views.paths import page_paths
from kg.views.render import vis_data
from kg.views.sitemap import MAP_DATA, MAP_TYPES, MapNode, map_script
from kg.views.standalone import load_graph
from kg.views.subgraph import find_text, neighbourhood, node_label
from kg.views.trends import month_of, month_range, rising, sparkline

__all__ = ["SiteReport", "site", "write_site", "SITE_KIND"]

SITE_KIND = "kg-site"
ENTITY_VIEW = {"hops": 1, "max_nodes": 40}
PAPER_VIEW = {"hops": 1, "max_nodes": 80}
_TOP = 10
_COOCCUR = 15
_PAPERS_PER_ENTITY = 500
_MAP_MIN_PAPERS = 2
_MAP_LINKS = 2
_MERGE_ABOVE = 20_000
_CACHE_ITEMS = 20_000


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


def site(graph_dir: Path | nx.MultiDiGraph, out: Path, *, merge_single: bool | None = None) -> SiteReport:
    """Write the site of the graph built in `graph_dir` (or of a graph object) to the folder `out`.

    `merge_single`: put entities named by one paper (and in no result) on list pages instead of a page each;
    None (the default) does so when the graph holds more than 20,000 entities."""
    if not isinstance(graph_dir, nx.MultiDiGraph) and Path(out).resolve() == Path(graph_dir).resolve():
        raise OutputError(f"{out}: is the graph folder itself; choose another folder for the site")
    graph = graph_dir if isinstance(graph_dir, nx.MultiDiGraph) else load_graph(Path(graph_dir))
    return write_site(graph, Path(out), merge_single=merge_single)


def write_site(graph: nx.MultiDiGraph, out: Path, *, merge_single: bool | None = None) -> SiteReport:
    """Write the site of `graph` to `out`, replacing a previous site there atomically (see `site`).

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
    with atomic_directory(out, many_files=True) as tmp:
        _write_assets(tmp)
        builder = _Builder(graph, merge_single)
        for rel, html, kind in builder.pages():
            path = tmp / rel
            path.parent.mkdir(exist_ok=True)
            path.write_text(html, encoding="utf-8")
            counts[kind] += 1
        (tmp / "index.html").write_text(builder.index(), encoding="utf-8")
        (tmp / pages.SEARCH_INDEX).write_text(builder.search_index(), encoding="utf-8")
        (tmp / MAP_DATA).write_text(builder.map_data(), encoding="utf-8")
        seconds = time.perf_counter() - started
        (tmp / MANIFEST).write_text(json.dumps({
            "kind": SITE_KIND, "kg_version": __version__, "pages": dict(sorted(counts.items())),
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "seconds": round(seconds, 2),
        }, indent=2) + "\n", encoding="utf-8")
    return SiteReport(out, dict(sorted(counts.items())), time.perf_counter() - started)


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


def _plural(kind: str) -> str:
    return f"{kind.lower()}s"


class _Builder:
    """Indexes the graph once (papers per entity, dates, results), then renders page after page."""

    def __init__(self, graph: nx.MultiDiGraph, merge_single: bool | None = None) -> None:
        self.graph = graph
        self.cache: dict[Any, dict[str, Any]] = {}
        self.types = {str(n): str(d.get("type", "?")) for n, d in graph.nodes(data=True)}
        self.boards = Leaderboards(graph)
        entities = [n for n, t in self.types.items() if t in ENTITY_TYPES]
        if merge_single is None:
            merge_single = len(entities) > _MERGE_ABOVE
        in_results = {e for r in self.boards.rows.values() for e in (r.method, r.dataset, r.metric) if e}
        self.merged = frozenset(n for n in entities if merge_single and n not in in_results
                                and graph.nodes[n].get("paper_count", 0) <= 1)
        self.paths = page_paths(graph, self.merged)
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
        self.pindex = PaperIndex(graph)
        self.month = {n: m for n, t in self.types.items() if t == "Paper"
                      if (m := month_of(graph.nodes[n].get("date")))}
        self.day = {n: str(graph.nodes[n]["date"])[:10] for n in self.month}
        self.months: dict[str, Counter[str]] = {}
        for entity, papers in self.pindex.papers.items():
            counts = Counter(self.month[p] for p in papers if p in self.month)
            if counts:
                self.months[entity] = counts
        self.span = (min(self.month.values()), max(self.month.values())) if self.month else None

    def _name(self, node: str) -> str:
        return node_label(self.graph.nodes[node], node)

    def _link(self, node: str, badge: bool = False) -> str:
        data = self.graph.nodes[node]
        return link(Link(node_label(data, node), self.paths.get(node), self.types.get(node) if badge else None))

    def _papers_of(self, node: str) -> int:
        count = self.graph.nodes[node].get("paper_count")
        return count if isinstance(count, int) else len(self.pindex.papers.get(node, ()))

    def _dates(self, node: str) -> tuple[str, str]:
        days = [self.day[p] for p in self.pindex.papers.get(node, ()) if p in self.day]
        return (min(days), max(days)) if days else ("", "")

    def _together(self, node: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for paper in self.pindex.papers.get(node, ()):
            counts.update(e for e in self.pindex.entities[paper] if e != node)
        return counts

    def pages(self) -> Iterator[tuple[str, str, str]]:
        """Yield (path, html, type) for every entity, paper and browse page."""
        lists: dict[str, list[str]] = defaultdict(list)
        for node in sorted(self.paths):
            kind = self.types.get(node)
            if kind == "Result":
                continue
            if node in self.merged:
                lists[self.paths[node].split("#")[0]].append(node)
                continue
            html = self._paper(node) if kind == "Paper" else self._entity(node)
            yield self.paths[node], html, str(kind)
        for path, nodes in sorted(lists.items()):
            yield path, self._list_page(path, nodes), "List"
        for kind in pages.BROWSE_TYPES:
            yield f"{BROWSE_DIR}/{kind.lower()}.html", self._browse(kind), "Browse"

    # --- entity pages -------------------------------------------------------------------------------------

    def _view(self, node: str, hops: int, max_nodes: int) -> str:
        sub, left_out = neighbourhood(self.graph, node, hops=hops, max_nodes=max_nodes)
        return self._graph_section(node, sub, left_out, f"{sub.number_of_nodes()} nodes within {hops} step"
                                   f"{'s' if hops > 1 else ''}", max_nodes)

    def _entity_view(self, node: str) -> str:
        sub, left_out = entity_neighbourhood(self.graph, node, index=self.pindex, **ENTITY_VIEW)
        note = (f"{sub.number_of_nodes()} nodes: the entities sharing most papers with this one (edges: papers "
                "shared; click an edge to list them)")
        return self._graph_section(node, sub, left_out, note, ENTITY_VIEW["max_nodes"])

    def _graph_section(self, node: str, sub: nx.MultiDiGraph, left_out: int, note: str, max_nodes: int) -> str:
        if len(self.cache) > _CACHE_ITEMS:  # pages come in id order, so recent items are the ones reused
            self.cache.clear()
        data = vis_data(self.graph, sub, node, url_of=self.paths.get, left_out=left_out, cache=self.cache)
        data["root"] = "../"
        if left_out:
            note += f" (the {max_nodes} nearest; {left_out} more left out)"
        return pages.graph_section(data, note)

    def _board_table(self, board: Board) -> str:
        rows = []
        for row in board.rows:
            method = self._link(row.method) if row.method else ""
            mark = ('<span class="kg-own" title="proposed by this paper">proposed here</span>' if row.own
                    else '<span class="kg-baseline" title="a method the paper compares with or uses">baseline</span>')
            paper = self._link(row.paper) if row.paper else ""
            cls = ' class="kg-own-row"' if row.own else ""
            rank = str(row.rank) if row.rank is not None else "&ndash;"
            rows.append(f'<tr data-result={attr(row.result)} data-rank="{row.rank or ""}"{cls}>'
                        f'<td class=num>{rank}</td><td>{method} {mark}</td><td class="num kg-value">'
                        f'{esc(row.value)}</td><td>{paper}</td><td><span class="kg-evidence">{esc(row.sentence)}'
                        "</span></td></tr>\n")
        head = "<tr><th class=num>#</th><th>method</th><th class=num>value</th><th>paper</th><th>sentence</th></tr>"
        return f'<table class="kg-leaderboard">\n<thead>{head}</thead>\n<tbody>\n{"".join(rows)}</tbody>\n</table>'

    def _boards_html(self, rows: list[Row], dataset_in_title: bool) -> str:
        parts = []
        for board in self.boards.boards(rows):
            metric = self._link(board.metric) if board.metric else "no metric named"
            title = metric
            if dataset_in_title:
                title += " on " + (self._link(board.dataset) if board.dataset else "no dataset named")
            way = {"higher": "higher is better", "lower": "lower is better"}.get(board.direction or "",
                                                                               "direction unknown: not ranked")
            parts.append(f'<section class="kg-board"><h3>{title} <span class="kg-dir">({way}; '
                         f'{len(board.rows)} result{"s" if len(board.rows) != 1 else ""})</span></h3>'
                         f"{self._board_table(board)}</section>")
        return "\n".join(parts)

    def _leaderboard(self, node: str, kind: str) -> str:
        if kind == "Dataset":
            rows, across, title = self.boards.by_dataset.get(node, []), False, "Leaderboard"
        elif kind == "Method":
            rows, across, title = self.boards.by_method.get(node, []), True, "Results across datasets"
        elif kind == "Metric":
            rows, across, title = self.boards.by_metric.get(node, []), True, "Results by dataset"
        else:
            papers = self.pindex.papers.get(node, ())
            rows = [r for p in papers for r in self.boards.by_paper.get(p, ()) if r.dataset]
            across, title = True, "Leaderboards of its datasets"
        count = len(rows)
        intro = {
            "Dataset": "Stated results on this dataset, one table per metric, best first where the metric says "
                       "which way is better. Values as written.",
            "Method": "Every stated result of this method, one table per dataset and metric.",
            "Metric": "Every stated result measured with this metric, one table per dataset.",
            "Task": "Stated results on a dataset in the papers addressing this task, one table per dataset and "
                    "metric.",
        }[kind]
        body = self._boards_html(rows, across) if rows else '<p class="kg-meta">no stated results</p>'
        return (f'<h2 id="leaderboard">{esc(title)} ({count})</h2>\n<p class="kg-meta">{esc(intro)}</p>\n{body}')

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
        first, last = self._dates(node)
        trend = sparkline(self.months.get(node, Counter()), self.span)
        body = [
            f'<h1>{esc(name)} <span class="kg-type">{esc(kind)}</span></h1>',
            pages.meta_rows([
                ("papers", esc(self._papers_of(node))),
                ("first paper", esc(first)),
                ("last paper", esc(last)),
                ("aliases", esc(", ".join(aliases))),
                ("variant of", ", ".join(self._link(v) for v in variants_of)),
                ("variants", ", ".join(self._link(v) for v in sorted(variants))),
                ("id", esc(node)),
            ]),
        ]
        if trend:
            body.append(f'<section id="trend"><h2>Papers per month</h2>{trend}</section>')
        leaderboard = self._leaderboard(node, kind)
        if kind in ("Dataset", "Task"):
            body.append(leaderboard)
        body.append(self._together_html(node, kind))
        body.append(self._entity_view(node))
        if kind not in ("Dataset", "Task"):
            body.append(leaderboard)
        body += [f"<h2>Papers ({len(papers)})</h2>",
                 pages.table(["paper", "relation", "role", "date", "evidence"], paper_rows) + more]
        return pages.page(f"{name} ({kind}) - kg", "\n".join(body), graph=True)

    def _together_html(self, node: str, kind: str) -> str:
        together = self._together(node)
        columns = []
        order = ("Dataset", "Method", "Metric", "Task") if kind == "Task" else ("Method", "Dataset", "Task", "Metric")
        for other in order:
            ranked = sorted((e for e in together if self.types.get(e) == other),
                            key=lambda e: (-together[e], self._name(e).casefold(), e))
            if not ranked:
                continue
            rows = [[self._link(e), str(together[e])] for e in ranked[:_COOCCUR]]
            more = len(ranked) - _COOCCUR
            table = pages.table([_plural(other), "shared papers"], rows, numeric=[1])
            if more > 0:
                table += f'<p class="kg-meta">and {more} more</p>'
            columns.append(f"<section>{table}</section>")
        title = "Datasets and methods used for this task" if kind == "Task" else "Named together with"
        return f'<h2 id="together">{title}</h2>\n<div class="kg-cols">{"".join(columns)}</div>' if columns else ""

    def _list_page(self, path: str, nodes: list[str]) -> str:
        """One page of entities named by a single paper: each with its aliases, the paper, the sentence that
        names it, and what that paper names beside it."""
        kind = self.types[nodes[0]]
        nodes = sorted(nodes, key=lambda n: (self._name(n).casefold(), n))
        entries = []
        for node in nodes:
            data = self.graph.nodes[node]
            name = node_label(data, node)
            aliases = [str(a) for a in data.get("aliases") or () if str(a) != name]
            rows = []
            for paper, relation, edge in self.entity_papers.get(node, ()):
                evidence = [e for e in edge.get("evidence") or () if isinstance(e, dict)]
                sentence = evidence[0].get("sentence", "") if evidence else ""
                others = sorted((e for e in self.pindex.entities.get(paper, {}) if e != node),
                                key=lambda e: (self.types.get(e, ""), self._name(e).casefold()))
                rows.append(f"<p>{self._link(paper)} <span class=\"kg-type\">{esc(relation)}</span> "
                            f"{esc(self.graph.nodes[paper].get('date') or '')}<br>"
                            f'<span class="kg-evidence">{esc(sentence)}</span></p>'
                            + (f'<p class="kg-meta">named with: {", ".join(self._link(e) for e in others[:12])}'
                               f'{" &hellip;" if len(others) > 12 else ""}</p>' if others else ""))
            anchor = self.paths[node].split("#", 1)[1]
            meta = f'<p class="kg-meta">aliases: {esc(", ".join(aliases))}</p>' if aliases else ""
            entries.append(f'<section class="kg-entry" id={attr(anchor)}><h2>{esc(name)} '
                           f'<span class="kg-type">{esc(kind)}</span></h2>{meta}{"".join(rows)}</section>')
        bucket = path.split("_one-paper-", 1)[1].removesuffix(".html")
        body = (f"<h1>{esc(_plural(kind).capitalize())} named by one paper: {esc(bucket.upper())} "
                f'<span class="kg-meta">({len(nodes):,})</span></h1>\n<p class="kg-meta">Each with the paper and '
                "the sentence that names it. Entities named by more papers have a page of their own.</p>\n"
                + "\n".join(entries))
        return pages.page(f"{_plural(kind).capitalize()} named by one paper ({bucket}) - kg", body)

    # --- paper pages --------------------------------------------------------------------------------------

    def _results_table(self, result_ids: list[str]) -> str:
        rows = []
        for rid in sorted(set(result_ids)):
            data = self.graph.nodes[rid]
            links = {str(k): t for _, t, k in self.graph.out_edges(rid, keys=True)}
            cells = [esc(data.get("value", ""))]
            for rel in ("OF_METHOD", "ON_DATASET", "MEASURED_BY"):
                cells.append(self._link(links[rel]) if rel in links else "")
            row = self.boards.rows.get(rid)
            cells.append(f'<span class="kg-evidence">{esc(row.sentence)}</span>' if row else "")
            rows.append(cells)
        return pages.table(["value", "method", "dataset", "metric", "sentence"], rows)

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

    # --- browse, index, search, map -----------------------------------------------------------------------

    def _browse(self, kind: str) -> str:
        nodes = [n for n, t in self.types.items() if t == kind]
        rows = []
        if kind == "Paper":
            for n in nodes:
                day = self.day.get(n, "")
                rows.append(BrowseRow(self._name(n), self.paths.get(n), len(self.pindex.entities.get(n, ())), day, day))
            rows.sort(key=lambda r: r.name.casefold())
            rows.sort(key=lambda r: r.first, reverse=True)
            note = "Every paper, newest first; the entities column counts the methods, datasets, metrics and " \
                   "tasks it names."
        else:
            for n in nodes:
                first, last = self._dates(n)
                board = len(self.boards.by_dataset.get(n, ())) if kind == "Dataset" else 0
                extra = (f' <a class="kg-meta" href={attr("../" + self.paths[n] + "#leaderboard")}>'
                         f"leaderboard ({board})</a>") if board and n in self.paths else ""
                rows.append(BrowseRow(self._name(n), self.paths.get(n), self._papers_of(n), first, last, extra))
            rows.sort(key=lambda r: (-r.papers, r.name.casefold(), r.href or ""))
            note = f"Every {kind.lower()} of the graph, most papers first. Click a column to sort; type to filter."
        return browse_page(kind, rows, note)

    def _ranked(self, kind: str) -> list[str]:
        return sorted((n for n, t in self.types.items() if t == kind),
                      key=lambda n: (-self._papers_of(n), self._name(n).casefold(), n))

    def index(self) -> str:
        """The front page: search, the most used and rising entities, leaderboards, the map, then the counts."""
        counts = Counter(self.types.values())
        edges = Counter(str(d.get("type", k)) for _, _, k, d in self.graph.edges(keys=True, data=True))
        columns = []
        for kind in ENTITY_TYPES:
            ranked = self._ranked(kind)
            rows = [[link(Link(self._name(n), self.paths.get(n)), root=""), esc(self._papers_of(n))]
                    for n in ranked[:_TOP]]
            more = (f'<p><a href={attr(f"{BROWSE_DIR}/{kind.lower()}.html")}>all {len(ranked):,} '
                    f"{_plural(kind)} &rarr;</a></p>")
            columns.append(f"<section><h2>Most used {_plural(kind)}</h2>"
                           f"{pages.table([kind, 'papers'], rows, [1])}{more}</section>")
        body = [
            "<h1>Knowledge graph</h1>",
            f'<p class="kg-lead">{counts.get("Paper", 0):,} papers naming {sum(counts[t] for t in ENTITY_TYPES):,} '
            f"methods, datasets, tasks and metrics; {len(self.boards.rows):,} stated results.</p>",
            '<section><h2>Search</h2><input id="kg-search" type="search" data-root="" '
            f'data-index={attr(pages.SEARCH_INDEX)} autocomplete="off" '
            'placeholder="Search entities and papers by name, alias or title" aria-label="Search entities and papers">'
            ' <span id="kg-search-status" class="kg-meta"></span><ul id="kg-search-results"></ul></section>',
            f'<div class="kg-cols">{"".join(columns)}</div>',
        ]
        body.append(self._rising_html())
        body.append(self._leaderboards_html())
        body.append(self._map_section())
        browse = "".join(f'<li><a href={attr(f"{BROWSE_DIR}/{k.lower()}.html")}>All {_plural(k)} '
                         f"({counts.get(k, 0):,})</a></li>" for k in pages.BROWSE_TYPES)
        body.append(f'<section><h2>Browse everything</h2><ul class="kg-browse-links">{browse}</ul></section>')
        count_rows = [[esc(t), f"{n:,}"] for t, n in sorted(counts.items())]
        edge_rows = [[esc(t), f"{n:,}"] for t, n in sorted(edges.items())]
        body.append('<div class="kg-cols">'
                    f"<section><h2>Nodes</h2>{pages.table(['type', 'count'], count_rows, [1])}</section>"
                    f"<section><h2>Edges</h2>{pages.table(['relation', 'count'], edge_rows, [1])}</section></div>")
        scripts = [MAP_DATA, "assets/kg-map.js"]
        return pages.page("kg: knowledge graph", "\n".join(b for b in body if b), root="", search=True,
                          scripts=scripts)

    def _rising_html(self) -> str:
        if not self.span:
            return ""
        ranked = rising(self.months, month_range(*self.span))[:_TOP]
        if not ranked:
            return ""
        rows = [[link(Link(self._name(n), self.paths.get(n), self.types.get(n)), root=""), str(now), str(before)]
                for n, now, before in ranked]
        return ("<section><h2>Rising</h2><p class=\"kg-meta\">Named by more papers per month in the last three "
                f"months (to {esc(self.span[1])}) than before.</p>"
                f"{pages.table(['entity', 'last 3 months', 'before'], rows, [1, 2])}</section>")

    def _leaderboards_html(self) -> str:
        ranked = sorted(self.boards.by_dataset, key=lambda d: (-len(self.boards.by_dataset[d]), self._name(d), d))
        if not ranked:
            return ""
        rows = []
        for d in ranked[:_TOP]:
            href = self.paths.get(d)
            target = Link(self._name(d), href + "#leaderboard" if href else None)
            metrics = Counter(self._name(r.metric) for r in self.boards.by_dataset[d] if r.metric)
            rows.append([link(target, root=""), str(len(self.boards.by_dataset[d])),
                         esc(", ".join(m for m, _ in metrics.most_common(3)))])
        more = (f'<p><a href={attr(f"{BROWSE_DIR}/dataset.html")}>every dataset, with a link to its leaderboard '
                "&rarr;</a></p>")
        return ("<section><h2>Leaderboards</h2>"
                f"{pages.table(['dataset', 'results', 'metrics'], rows, [1])}{more}</section>")

    def _map_nodes(self) -> list[str]:
        return sorted((n for n, t in self.types.items() if t in MAP_TYPES and self._papers_of(n) >= _MAP_MIN_PAPERS),
                      key=lambda n: (-self._papers_of(n), n))

    def _map_section(self) -> str:
        count = len(self._map_nodes())
        return ('<section><h2>Map</h2><p class="kg-meta">'
                f"The {count:,} methods, datasets, tasks and metrics named by two or more papers, placed near those "
                "they share papers with. Scroll to zoom, drag to move, click one to open its page.</p>"
                '<div id="kg-map" data-root=""></div></section>')

    def map_data(self) -> str:
        """assets/map-data.js: the entities of the map, laid out, with their strongest links."""
        chosen = self._map_nodes()
        at = {n: i for i, n in enumerate(chosen)}
        shared: Counter[tuple[int, int]] = Counter()
        for entities in self.pindex.entities.values():
            ids = sorted(at[e] for e in entities if e in at)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    shared[(a, b)] += 1
        best: dict[int, list[tuple[int, tuple[int, int]]]] = defaultdict(list)
        for pair, count in shared.items():
            best[pair[0]].append((count, pair))
            best[pair[1]].append((count, pair))
        links: Counter[tuple[int, int]] = Counter()
        for items in best.values():
            for count, pair in sorted(items, key=lambda x: (-x[0], x[1]))[:_MAP_LINKS]:
                links[pair] = count
        nodes = [MapNode(n, self._name(n), self.types[n], self._papers_of(n), self.paths.get(n)) for n in chosen]
        return map_script(nodes, links)

    def search_index(self) -> str:
        """assets/search-index.js: every entity and paper with the words it can be found by, each entity once.

        Nodes of one type whose names fold to the same key (two "CIFAR-100" nodes the resolver kept apart)
        are one entry, pointing at the one with most papers; their aliases are pooled.
        """
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for node in sorted(self.paths):
            kind = self.types.get(node)
            if kind == "Result":
                continue
            key = node if kind == "Paper" else surface_key(self._name(node)) or node
            groups[(str(kind), key)].append(node)
        entries: list[tuple[str, str, str, str, int]] = []
        for (kind, _), nodes in groups.items():
            nodes.sort(key=lambda n: (-self._papers_of(n), n))
            head = nodes[0]
            data = self.graph.nodes[head]
            words: list[str] = []
            for node in nodes:
                other = self.graph.nodes[node]
                words += [node_label(other, node), *(str(a) for a in other.get("aliases") or ()), node,
                          str(other.get("arxiv_id") or "")]
            count = sum(self._papers_of(n) for n in nodes) if kind != "Paper" else 0
            entries.append((node_label(data, head), kind, self.paths[head], find_text(words), count))
        entries.sort(key=lambda e: (-e[4], e[0].casefold(), e[2]))
        return f"window.KG_INDEX = {script_json({'entries': [list(e) for e in entries]})};\n"


"""The `kg` command line: a thin shell over the library. Each command opens, calls, and translates errors.

One meaning per flag everywhere: ``--format`` is the output format, ``-o/--out`` the output path (``-o -``
standard output), ``-`` as an input reads standard input, ``--debug`` may come before or after the command;
exit status 2 for a usage error, 1 for any other error.
"""

from __future__ import annotations

import sys
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.errors import KGError
from kg.formatting import FORMATS, plural, render

DEFAULT_GRAPH = "kg-out"
STDIO = "-"
_format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="Output format: a table for people, one JSON array, JSON Lines (one object a line) or CSV.",
)
_graph_option = click.option(
    "--graph", "graph_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_GRAPH,
    show_default=True, help="Folder of a built graph (the --out of `kg build`).",
)
_out_option = click.option(
    "--out", "-o", "out", default=STDIO, show_default=True, metavar="FILE",
    help="Write the output to FILE (replaced atomically); - is standard output.",
)


class KGGroup(click.Group):
    """The command group: accepts ``--debug`` after the command name as well as before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Move a ``--debug`` given after the command (and before any ``--``) to the front."""
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            args = ["--debug", *(a for i, a in enumerate(args) if i >= end or a != "--debug")]
        return super().parse_args(ctx, args)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from kg.extract import extractor_version

    click.echo(f"kg {__version__} (extractor {extractor_version()})")
    ctx.exit()


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print the kg and extractor versions and exit.")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors (before or after the command).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build a knowledge graph of methods, datasets, metrics and tasks from paper abstracts."""
    ctx.obj = {"debug": debug}


def _echo(text: str) -> None:
    click.echo(text)


def _emit(text: str, out: str) -> None:
    """Print `text` to standard output (`out` is -) or write it to the file `out` atomically."""
    if out == STDIO:
        click.echo(text)
        return
    from kg.outputs import write_text_atomic

    write_text_atomic(Path(out), text + "\n" if text else "")


def _folder_out(out: Path, command: str) -> Path:
    if str(out) == STDIO:
        raise click.UsageError(f"kg {command} writes a folder; give -o/--out a folder name, not -")
    return out


@contextmanager
def _stdin_as_file() -> Iterator[Path]:
    """Standard input copied to a temporary file named ``stdin`` (readers sniff and re-read their input)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kg-stdin-") as folder:
        path = Path(folder) / "stdin"
        with open(path, "wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh)
        yield path


@contextmanager
def _file_for_stdout(out: str, name: str) -> Iterator[Path]:
    """The path a writer should write: `out` itself, or for ``-o -`` a temporary file copied to stdout after."""
    if out != STDIO:
        yield Path(out)
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kg-out-") as folder:
        path = Path(folder) / name
        yield path
        sys.stdout.flush()
        with open(path, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def _model_options(f: Any) -> Any:
    """--model DIR and --fast: which decision the extractor uses (see kg.extract.extract)."""
    f = click.option("--fast", is_flag=True,
                     help="Keep the rules' own decision (no learned model): faster, less accurate.")(f)
    return click.option("--model", "model", type=click.Path(exists=True, file_okay=False, path_type=Path),
                        default=None, help="Model directory written by `kg train` (default: the shipped model).")(f)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "-o", type=click.Path(path_type=Path), default=DEFAULT_GRAPH,
              show_default=True, help="Output folder; replaced atomically when the build completes.")
@click.option("--input-format", "input_format", type=click.Choice(["trending", "jsonl", "json", "csv", "tsv"]),
              default=None, help="Force the input format instead of detecting it from content.")
@click.option("--strict", is_flag=True, help="Treat any skipped entry as an error.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes (default: the number of cores; one for small corpora).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Extraction cache folder (default: $KG_CACHE_DIR or ~/.cache/kg).")
@click.option("--no-cache", is_flag=True, help="Extract every paper again; neither read nor write the cache.")
@click.option("--full", is_flag=True,
              help="Rebuild everything instead of extending the previous build in --out with new input files.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run extraction on the Dask cluster at ADDRESS (e.g. tcp://10.0.0.5:8786).")
@click.option("--max-abstract-chars", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Skip entries whose abstract is longer than this.")
@click.option("--no-stores", is_flag=True,
              help="Do not bulk-load the Cypher and SPARQL stores now; the first query of each kind does.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@_model_options
def build(paths: tuple[str, ...], out: Path, input_format: str | None, strict: bool, workers: int | None,
          cache_dir: Path | None, no_cache: bool, full: bool, scheduler: str | None, max_abstract_chars: int,
          no_stores: bool, quiet: bool, model: Path | None, fast: bool) -> None:
    """Read PATHS (files, folders, globs; gzip ok; - for standard input), extract entities, build the graph,
    write it to --out."""
    import os

    from kg.builder.cache import default_cache_dir

    options: dict[str, Any] = {
        "format": input_format, "strict": strict, "workers": workers or os.cpu_count() or 1,
        "cache_dir": None if no_cache else (cache_dir or default_cache_dir()), "scheduler": scheduler,
        "max_abstract_chars": max_abstract_chars, "incremental": not full, "stores": not no_stores,
        "model": model, "fast": fast,
    }
    _folder_out(out, "build")
    if STDIO not in paths:
        _build(paths, out, quiet, options)
        return
    with _stdin_as_file() as stdin:
        _build(tuple(str(stdin) if p == STDIO else p for p in paths), out, quiet, options)


def _build(paths: tuple[str, ...], out: Path, quiet: bool, options: dict[str, Any]) -> None:
    from kg.builder import build as run_build

    if quiet:
        run_build(paths, out, **options)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = run_build(paths, out, progress=progress, **options)
    _echo(_summary(report))


def _summary(report: Any) -> str:
    lines = [
        f"kg build -> {report.out}  ({report.seconds:.1f}s, extractor {report.extractor_version})",
        f"  files read        {report.files}",
        f"  entries read      {report.entries}",
        f"  papers            {report.papers}  ({plural(report.duplicates_merged, 'duplicate entry')} merged)",
        f"  skipped entries   {len(report.skipped)}",
    ]
    if report.merged_count:
        lines.append(f"  merged papers     {plural(report.merged_count, 'paper')} seen in more than one place, e.g.:")
        for paper in report.merged_papers[:3]:
            where = ", ".join(f"{s.path}:{s.line}" for s in paper.sources)
            lines.append(f"    {paper.title[:60]}  <- {where}")
        lines.append("    (all of them: kg papers --merged)")
    by_reason = Counter(s.reason for s in report.skipped)
    for reason, count in by_reason.most_common(8):
        first = next(s for s in report.skipped if s.reason == reason)
        lines.append(f"    {count:>5} x {reason}  (first: {first.source.path}:{first.source.line})")
    counts = ", ".join(f"{k} {v}" for k, v in report.entity_counts.items())
    lines.append(f"  nodes             {counts}")
    lines.append(f"  edges             {report.edges}")
    where = "on the Dask cluster" if report.workers == 0 else plural(report.workers, "worker")
    lines.append(f"  extraction        {plural(report.cache_misses, 'paper')} extracted ({where}), "
                 f"{report.cache_hits} from the cache, {report.papers_reused} reused unchanged")
    lines.append(f"  build             {report.mode}")
    if report.warnings:
        paper, warning = report.warnings[0]
        lines.append(f"  warnings          {len(report.warnings)} (first: {paper}: {warning}; all in manifest.json)")
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_seconds.items())
    lines.append(f"  time              {timing}")
    return "\n".join(lines)


@cli.command()
@click.argument("query", required=False)
@_graph_option
@_format_option
@_out_option
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Show at most this many papers (0: all).")
@click.option("--merged", is_flag=True, help="Only papers merged from several entries, with every source.")
def papers(query: str | None, graph_dir: Path, fmt: str, out: str, limit: int, merged: bool) -> None:
    """List the papers of a built graph, or inspect one: QUERY is an id or words of its title.

    One paper with --format json (or jsonl) is one object: its fields, its sources and its entities
    (type, name, role)."""
    from itertools import islice

    from kg.outputs import iter_papers
    from kg.papers import find_papers, paper_detail, paper_record

    found = find_papers(iter_papers(graph_dir), query) if query else []  # streamed: the matches only
    listed: Iterable[Any] = found if query else iter_papers(graph_dir)  # every paper: read as listed
    if merged:
        rows = [{"id": p.id, "title": p.title, "sources": [f"{s.path}:{s.line}" for s in p.sources]}
                for p in listed if len(p.sources) > 1]
        _emit(render(rows[: limit or None], fmt, ["id", "title", "sources"]), out)
        return
    if query and len(found) == 1:
        if fmt in ("json", "jsonl"):
            import json

            record = paper_record(graph_dir, found[0])
            _emit(json.dumps(record, ensure_ascii=False, indent=2 if fmt == "json" else None), out)
            return
        _emit(render(paper_detail(graph_dir, found[0]), fmt, ["field", "value"]), out)
        return
    if query and not found:
        raise KGError(f"no paper matches {query!r} in {graph_dir}")
    rows = [
        {"id": p.id, "title": p.title, "sources": len(p.sources),
         "first_source": f"{p.sources[0].path}:{p.sources[0].line}" if p.sources else ""}
        for p in islice(listed, limit or None)
    ]
    _emit(render(rows, fmt, ["id", "title", "sources", "first_source"]), out)


@cli.command()
@click.argument("name")
@_graph_option
@_format_option
@_out_option
def explain(name: str, graph_dir: Path, fmt: str, out: str) -> None:
    """Show how an entity was resolved: every surface form merged into it, by which rule, from which papers."""
    from kg.graph.explain import EXPLAIN_COLUMNS, explain as explain_entity

    rows = explain_entity(graph_dir, name)
    columns = EXPLAIN_COLUMNS if fmt == "table" else [*EXPLAIN_COLUMNS[:5], "rule_text", *EXPLAIN_COLUMNS[5:]]
    _emit(render(rows, fmt, columns), out)


@cli.command("extract")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True,
              help="One JSON object per line, or one JSON array.")
@_out_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
@_model_options
def extract_command(input_path: Path, fmt: str, out: str, workers: int, model: Path | None, fast: bool) -> None:
    """Extract entities and results from INPUT (JSON Lines {"id", "title", "abstract"}; - for standard input):
    one JSON object per paper."""
    from kg.extract import extract, extraction_to_json, read_extract_input
    from kg.outputs import atomic_file

    records = (extraction_to_json(x)
               for x in extract(read_extract_input(input_path), workers=workers, model=model, fast=fast))
    if out == STDIO:
        _write_json_records(records, fmt, None)
        return
    with atomic_file(Path(out)) as fh:
        _write_json_records(records, fmt, fh)


def _write_json_records(records: Iterator[dict[str, Any]], fmt: str, fh: Any) -> None:
    """Stream `records` to `fh` (None: standard output) as JSON Lines or as one JSON array, an element a line."""
    import json

    write = click.echo if fh is None else (lambda text: fh.write(text + "\n"))
    if fmt == "jsonl":
        for record in records:
            write(json.dumps(record, ensure_ascii=False))
        return
    first = True
    for record in records:
        write(("[" if first else ",") + json.dumps(record, ensure_ascii=False))
        first = False
    write("[]" if first else "]")


@cli.command("eval")
@click.option("--papers", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON Lines of {id, title, abstract}.")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold annotations (the format of score.py).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table: score.py's report; json, jsonl, csv: one record per type (and MDM).")
@_out_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
@click.option("--details/--no-details", default=True, show_default=True,
              help="List misses, false positives and wrong roles per paper (table format).")
@click.option("--folds", type=click.IntRange(min=2), default=None,
              help="K-fold cross-validation by paper: train on K-1 folds, score the held-out fold, pool the K.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fold split (--folds).")
@_model_options
def eval_command(papers: Path, gold: Path, fmt: str, out: str, workers: int, details: bool, folds: int | None,
                 seed: int, model: Path | None, fast: bool) -> None:
    """Score the extractor against gold annotations: per-type and MDM P/R/F1 exactly as score.py computes them."""
    from kg.evaluate import evaluate, format_report, load_jsonl, report_rows

    if folds is None:
        report = evaluate(papers, gold, workers=workers, model=model, fast=fast)
        _emit(format_report(report, details=details) if fmt == "table" else render(report_rows(report), fmt), out)
        return
    if model is not None:
        raise click.UsageError("--folds trains its own model on each fold; it takes no --model")
    from kg.crossval import cross_validate

    result = cross_validate(load_jsonl(papers).values(), load_jsonl(gold), folds=folds, seed=seed, learned=not fast)
    if fmt != "table":
        _emit(render(report_rows(result.report), fmt), out)
        return
    lines = [f"fold {k}: MDM P={r.mdm['P']:.3f} R={r.mdm['R']:.3f} F1={r.mdm['F1']:.3f}"
             for k, r in enumerate(result.per_fold, start=1)]
    lines.append(f"{folds}-fold cross-validation (seed {seed}), pooled:")
    lines.append(format_report(result.report, details=details))
    _emit("\n".join(lines), out)


@cli.command("train")
@click.option("--papers", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON Lines of {id, title, abstract}.")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold annotations of those papers (the format of score.py).")
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Model directory to write (model.json and weights.npz; results.json and results.npz).")
def train_command(papers: Path, gold: Path, out: Path) -> None:
    """Train the extractor's learned decision on annotated papers; use it with --model on extract/eval/build.

    When the gold has result tuples, the result model is trained too (over the entities the new decision
    finds); otherwise results come from the rules."""
    from kg.evaluate import load_jsonl
    from kg.extract.model import save_model
    from kg.extract.result_model import save_results_model, train_results
    from kg.extract.train import train

    paper_rows, gold_rows = load_jsonl(papers), load_jsonl(gold)
    model = train(paper_rows.values(), gold_rows)
    save_model(model, out)
    _echo(f"kg train -> {out}  (model {model.ident}: {model.info['papers']} papers, "
          f"{model.info['candidates']} candidates, {len(model.vocab)} features)")
    if any(g.get("results") for g in gold_rows.values()):
        rmodel = train_results(paper_rows.values(), gold_rows, model)
        save_results_model(rmodel, out)
        _echo(f"kg train -> {out}  (result model {rmodel.ident}: {rmodel.info['pairs']} value-metric pairs)")


@cli.command()
@_graph_option
@_format_option
@_out_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Entries per ranking.")
def stats(graph_dir: Path, fmt: str, out: str, top: int) -> None:
    """Counts by type, most used methods/datasets/metrics/tasks, strongest pairs, most central entities."""
    from kg.graph.stats import store_stats

    rows = store_stats(graph_dir, top=top).rows()  # from the Cypher store: seconds and bounded memory at any size
    if fmt != "table":
        _emit(render(rows, fmt), out)
        return
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    tables = [render(items, "table", ["name", "value"] if section in ("nodes", "edges")
                     else ["rank", "name", "type", "value", "detail"], title=section)
              for section, items in sections.items()]
    _emit("\n".join(tables), out)


@cli.command()
@click.argument("name")
@_graph_option
@click.option("--hops", type=click.IntRange(min=0), default=1, show_default=True,
              help="Include nodes up to this many edges away from NAME.")
@click.option("--types", "types", default=None, metavar="TYPE,...",
              help="Keep only these node types (Paper,Method,Dataset,Metric,Task,Result); NAME always stays.")
@click.option("--max-nodes", type=click.IntRange(min=1), default=300, show_default=True,
              help="Show at most this many nodes, the nearest first.")
@click.option("--site-url", default=None, metavar="URL",
              help="Where a `kg site` of this graph lives (relative to the output file, or an address): "
                   "clicking a node opens its page there.")
@click.option("--out", "-o", "out", required=True, metavar="FILE",
              help="HTML file to write (replaced atomically); - is standard output.")
def view(name: str, graph_dir: Path, hops: int, types: str | None, max_nodes: int, site_url: str | None,
         out: str) -> None:
    """Write the neighbourhood of NAME (an entity or paper; any case, alias or acronym) as an interactive page."""
    from kg.views import view as run_view

    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    with _file_for_stdout(out, "view.html") as path:
        report = run_view(graph_dir, name, path, hops=hops, types=wanted, max_nodes=max_nodes, site_url=site_url)
    more = f", {report.left_out} more left out (--max-nodes)" if report.left_out else ""
    where = "standard output" if out == STDIO else report.out
    click.echo(f"kg view -> {where}  ({report.name}: {plural(report.nodes, 'node')}, "
               f"{plural(report.edges, 'edge')}{more})", err=out == STDIO)


@cli.command()
@click.argument("out_dir", required=False, type=click.Path(path_type=Path))
@click.option("--out", "-o", "out", type=click.Path(path_type=Path), default=None,
              help="Folder to write the site to (replaced atomically); the same as OUT_DIR.")
@_graph_option
def site(out_dir: Path | None, out: Path | None, graph_dir: Path) -> None:
    """Write the whole graph as a static site to -o/--out (or OUT_DIR): an index, a page per entity and per paper."""
    from kg.views import site as run_site

    if (out_dir is None) == (out is None):
        raise click.UsageError("give the site's folder once: kg site -o FOLDER")
    report = run_site(graph_dir, _folder_out(out or out_dir, "site"))  # type: ignore[arg-type]
    counts = ", ".join(f"{kind} {count}" for kind, count in report.pages.items())
    _echo(f"kg site -> {report.out}/index.html  ({plural(report.total, 'page')}: {counts}; {report.seconds:.1f}s)")


# --- Neo4j and Cypher: kg push, kg cypher ---------------------------------------------------------------------

_NEO4J_ENV = "defaults from NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD"


@cli.command()
@_graph_option
@click.option("--uri", envvar="NEO4J_URI", help="Bolt URI of the Neo4j server, e.g. bolt://localhost:7687 "
              "[env NEO4J_URI].")
@click.option("--user", envvar="NEO4J_USER", default="neo4j", show_default=True, help="Neo4j user [env NEO4J_USER].")
@click.option("--password", envvar="NEO4J_PASSWORD", help="Neo4j password [env NEO4J_PASSWORD].")
@click.option("--database", default=None, help="Database name (default: the server's default database).")
@click.option("--batch-size", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows per transaction; each batch is one transaction.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def push(graph_dir: Path, uri: str | None, user: str, password: str | None, database: str | None,
         batch_size: int, quiet: bool) -> None:
    """Load the built graph into Neo4j: constraints, then batched MERGE; safe to re-run (idempotent)."""
    from kg.graph import read_graph
    from kg.graph.io import GRAPH_FILE
    from kg.stores.neo4j import connection_settings
    from kg.stores.neo4j import push as run_push

    uri, user, password = connection_settings(uri, user, password)
    graph = read_graph(graph_dir / GRAPH_FILE)
    if quiet:
        run_push(graph, uri, user, password, batch_size=batch_size, database=database)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:>13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("push", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        report = run_push(graph, uri, user, password, batch_size=batch_size, database=database,
                          progress=progress)
    nodes = sum(report.nodes.values())
    rels = sum(report.relationships.values())
    _echo("\n".join([
        f"kg push -> {report.uri}  ({report.seconds:.1f}s, {plural(report.batches, 'batch')} of up to {batch_size})",
        f"  nodes           {nodes}  ({report.nodes_created} new), {report.nodes_deleted} stale deleted: "
        + ", ".join(f"{k} {v}" for k, v in report.nodes.items()),
        f"  relationships   {rels}  ({report.relationships_created} new), "
        f"{report.relationships_deleted} stale deleted: "
        + ", ".join(f"{k} {v}" for k, v in report.relationships.items()),
    ]))


@cli.command()
@click.argument("query")
@_graph_option
@_format_option
@_out_option
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Query parameter $NAME; VALUE is read as JSON when it parses (2, true, [\"a\"]), else as text.")
@click.option("--uri", default=None, help="Run on this Neo4j (bolt://HOST:PORT) instead of the embedded default.")
@click.option("--user", envvar="NEO4J_USER", default="neo4j", show_default=True, help="Neo4j user [env NEO4J_USER].")
@click.option("--password", envvar="NEO4J_PASSWORD", help="Neo4j password [env NEO4J_PASSWORD].")
@click.option("--database", default=None, help="Neo4j database name (default: the server's default).")
def cypher(query: str, graph_dir: Path, fmt: str, out: str, params: tuple[str, ...], uri: str | None, user: str,
           password: str | None, database: str | None) -> None:
    """Run a Cypher QUERY (text, or a .cypher file) on Neo4j (--uri) or on the embedded copy of the build."""
    from kg.stores.cypher import cypher as run_cypher
    from kg.stores.cypher import parse_params, read_query

    result = run_cypher(read_query(query), parse_params(params), graph_dir=graph_dir, uri=uri, user=user,
                        password=password, database=database)
    _emit(render(result.rows, fmt, result.columns), out)


@cli.command()
@_graph_option
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "graphml", "json", "neo4j-csv"]),
              required=True, help="ttl, nt (streamed) and jsonld are RDF of ontology/kg.ttl; graphml and json "
              "(node-link) the graph as is; neo4j-csv a folder of neo4j-admin import files.")
@click.option("--out", "-o", "out", required=True, metavar="PATH",
              help="File to write (a folder for neo4j-csv); replaced atomically; - is standard output.")
@click.option("--base", default=None, metavar="IRI",
              help="Base of data IRIs in RDF formats [default: https://w3id.org/kg-lit/id/].")
def export(graph_dir: Path, fmt: str, out: str, base: str | None) -> None:
    """Write the built graph to a file: RDF (ttl, nt, jsonld), GraphML, node-link JSON or Neo4j CSV."""
    from kg.graph.io import GRAPH_FILE, read_graph
    from kg.stores import export as run_export

    if fmt == "nt":  # streamed from graph.json item by item: memory bounded at any size
        from kg.stores.rdf import write_ntriples_stream
        from kg.vocab import DEFAULT_BASE

        with _file_for_stdout(out, "export.nt") as path:
            triples = write_ntriples_stream(Path(graph_dir) / GRAPH_FILE, path, base or DEFAULT_BASE)
        where = "standard output" if out == STDIO else out
        click.echo(f"kg export -> {where}  (nt, {plural(triples, 'triple')})", err=out == STDIO)
        return
    if fmt == "neo4j-csv":
        _folder_out(Path(out), "export --format neo4j-csv")
    graph = read_graph(Path(graph_dir) / GRAPH_FILE)
    with _file_for_stdout(out, f"export.{fmt}") as path:
        written = run_export(graph, path, fmt, base=base)
    count = f", {plural(written, 'triple')}" if isinstance(written, int) else ""
    where = "standard output" if out == STDIO else out
    click.echo(f"kg export -> {where}  ({fmt}, {plural(graph.number_of_nodes(), 'node')}, "
               f"{plural(graph.number_of_edges(), 'edge')}{count})", err=out == STDIO)


@cli.command()
@click.argument("query")
@_graph_option
@_format_option
@_out_option
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="SPARQL engine: Oxigraph (fast) or rdflib (pure Python); both give the same answers.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE: <iri> is an IRI, 2 or 2.5 a number, anything else a string.")
@click.option("--allow-service", is_flag=True,
              help="Allow federated queries (SERVICE; FROM on rdflib), which send requests outside the build.")
def sparql(query: str, graph_dir: Path, fmt: str, out: str, engine: str, params: tuple[str, ...],
           allow_service: bool) -> None:
    """Answer a SPARQL 1.1 QUERY (text, or a .rq file) over the built graph."""
    from kg.stores.sparql import load_query, parse_param, rows_as_dicts
    from kg.stores.sparql import sparql as run_sparql

    columns, rows = run_sparql(graph_dir, load_query(query), engine, dict(parse_param(p) for p in params),
                               allow_service=allow_service)
    _emit(render(rows_as_dicts(columns, rows), fmt, columns), out)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every error into one line on stderr and exit status 2 (usage) or 1."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="kg", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("kg: interrupted; the previous output is unchanged", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KGError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"kg: error: {exc}", err=True)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if debug:
            traceback.print_exc()
        click.echo(f"kg: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        return 1
    return 0

"""The `kg` command line: a thin shell over the library. Each command opens, calls, and translates errors."""

from __future__ import annotations

import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.errors import KGError
from kg.formatting import FORMATS, render

DEFAULT_GRAPH = "kg-out"
_format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="Output format: a table for people, one JSON array, or CSV.",
)
_graph_option = click.option(
    "--graph", "graph_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_GRAPH,
    show_default=True, help="Folder of a built graph (the --out of `kg build`).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kg")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build a knowledge graph of methods, datasets, metrics and tasks from paper abstracts."""
    ctx.obj = {"debug": debug}


def _echo(text: str) -> None:
    click.echo(text)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_GRAPH,
              show_default=True, help="Output folder; replaced atomically when the build completes.")
@click.option("--format", "input_format", type=click.Choice(["trending", "jsonl", "json", "csv", "tsv"]),
              default=None, help="Force the input format instead of detecting it from content.")
@click.option("--strict", is_flag=True, help="Treat any skipped entry as an error.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Extraction processes.")
@click.option("--max-abstract-chars", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Skip entries whose abstract is longer than this.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def build(paths: tuple[str, ...], out: Path, input_format: str | None, strict: bool, workers: int,
          max_abstract_chars: int, quiet: bool) -> None:
    """Read PATHS (files, folders, globs; gzip ok), extract entities, build the graph, write it to --out."""
    from kg.pipeline import build as run_build

    if quiet:
        report = run_build(paths, out, format=input_format, strict=strict, workers=workers,
                           max_abstract_chars=max_abstract_chars)
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

        report = run_build(paths, out, format=input_format, strict=strict, workers=workers,
                           max_abstract_chars=max_abstract_chars, progress=progress)
    _echo(_summary(report))


def _summary(report: Any) -> str:
    lines = [
        f"kg build -> {report.out}  ({report.seconds:.1f}s, extractor {report.extractor_version})",
        f"  files read        {report.files}",
        f"  entries read      {report.entries}",
        f"  papers            {report.papers}  ({report.duplicates_merged} duplicate entries merged)",
        f"  skipped entries   {len(report.skipped)}",
    ]
    merged = [p for p in report.merged_papers]
    if merged:
        lines.append(f"  merged papers     {len(merged)} papers seen in more than one place, e.g.:")
        for paper in merged[:3]:
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
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_seconds.items())
    lines.append(f"  time              {timing}")
    return "\n".join(lines)


@cli.command()
@click.argument("query", required=False)
@_graph_option
@_format_option
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Show at most this many papers (0: all).")
@click.option("--merged", is_flag=True, help="Only papers merged from several entries, with every source.")
def papers(query: str | None, graph_dir: Path, fmt: str, limit: int, merged: bool) -> None:
    """List the papers of a built graph, or inspect one: QUERY is an id or words of its title."""
    from kg.outputs import iter_papers
    from kg.papers import find_papers, paper_detail

    found = find_papers(iter_papers(graph_dir), query)
    if merged:
        rows = [{"id": p.id, "title": p.title, "sources": [f"{s.path}:{s.line}" for s in p.sources]}
                for p in found if len(p.sources) > 1]
        _echo(render(rows[: limit or None], fmt, ["id", "title", "sources"]))
        return
    if query and len(found) == 1:
        _echo(render(paper_detail(graph_dir, found[0]), fmt, ["field", "value"] if fmt == "table" else None))
        return
    if query and not found:
        raise KGError(f"no paper matches {query!r} in {graph_dir}")
    rows = [
        {"id": p.id, "title": p.title, "sources": len(p.sources),
         "first_source": f"{p.sources[0].path}:{p.sources[0].line}" if p.sources else ""}
        for p in found[: limit or None]
    ]
    _echo(render(rows, fmt, ["id", "title", "sources", "first_source"]))


@cli.command()
@_graph_option
@_format_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Entries per ranking.")
def stats(graph_dir: Path, fmt: str, top: int) -> None:
    """Counts by type, most used methods/datasets/metrics/tasks, strongest pairs, most central entities."""
    from kg.graph import read_graph
    from kg.graph.io import GRAPH_FILE
    from kg.graph.stats import graph_stats
    from kg.outputs import recover

    recover(graph_dir)
    rows = graph_stats(read_graph(graph_dir / GRAPH_FILE), top=top).rows()
    if fmt != "table":
        _echo(render(rows, fmt))
        return
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    for section, items in sections.items():
        columns = ["name", "value"] if section in ("nodes", "edges") else ["rank", "name", "type", "value", "detail"]
        _echo(render(items, "table", columns, title=section))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning kg errors into one line on stderr and a non-zero exit."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="kg", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("kg: interrupted; the previous output is unchanged", err=True)
        return 130
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
        return 70
    return 0

"""Extraction on a Dask cluster: `kg build --scheduler ADDRESS`.

Dask rather than Ray: it is pure Python, installs from PyPI in seconds, runs the same code on a laptop's
LocalCluster and on a real cluster, and its futures let us keep a bounded window of chunks in flight while
yielding results in input order, so the output is identical to a local run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from kg.errors import ExtractionError
from kg.records import PaperExtraction

__all__ = ["dask_extractor", "extract_chunk"]


def extract_chunk(items: list[tuple[str, str, str]], model: str | None = None, fast: bool = False) -> list[PaperExtraction]:
    """Run on a worker: extract a chunk of (id, title, abstract) with the worker's cached pipeline."""
    from kg.extract import ExtractInput, extract

    return list(extract([ExtractInput(*item) for item in items], model=model, fast=fast))


def _chunks(papers: Iterable[object], size: int) -> Iterator[list[tuple[str, str, str]]]:
    iterator = iter(papers)
    while chunk := list(islice(iterator, size)):
        yield [(p.id, p.title, p.abstract) for p in chunk]  # type: ignore[attr-defined]


def dask_extractor(
    address: str, *, chunk_size: int = 256, window_per_worker: int = 2, timeout: float = 30.0,
    model: str | None = None, fast: bool = False,
) -> Callable[[Iterable[object]], Iterator[PaperExtraction]]:
    """An extractor (papers -> extractions, in order) that runs chunks on the Dask scheduler at `address`.

    At most `window_per_worker` chunks per worker are in flight, so memory stays bounded for any corpus.
    Raises ExtractionError if the scheduler cannot be reached or `distributed` is not installed.
    """
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ExtractionError("--scheduler needs Dask: pip install 'kg[dask]'") from exc

    def run(papers: Iterable[object]) -> Iterator[PaperExtraction]:
        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ExtractionError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            window: deque = deque()
            for chunk in _chunks(papers, chunk_size):
                window.append(client.submit(extract_chunk, chunk, None if model is None else str(model), fast, pure=False))
                while len(window) > window_per_worker * workers:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()
        finally:
            client.close()

    return run

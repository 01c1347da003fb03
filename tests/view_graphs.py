"""Small graphs built by hand with `kg.graph.build_graph` for the view and site tests (no corpus needed).

`small_graph` has a few papers naming Transformer, Mixture-of-Transformers (alias MoT), ImageNet (alias
ILSVRC2012) and accuracy, with results and overlapping mentions. `xss_graph` adds papers whose titles,
abstracts, entity names, aliases and result values are script-injection attempts.
"""

from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import pytest

from kg.graph import build_graph
from kg.records import Entity, Evidence, Paper, PaperExtraction, Result, Source

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>alert(1)</script>"
XSS_NAME = '"><svg onload=alert(1)>'


def _ev(text: str, mention: str, field: str = "abstract", nth: int = 0) -> Evidence:
    start = -1
    for _ in range(nth + 1):
        start = text.index(mention, start + 1)
    return Evidence(field, start, start + len(mention), text, 0)


def _entity(kind: str, name: str, paper: Paper, mentions: tuple[str, ...], role: str | None = "used",
            field: str = "abstract", confidence: float = 0.9) -> Entity:
    text = paper.title if field == "title" else paper.abstract
    evidence = tuple(_ev(text, m, field) for m in mentions)
    return Entity(kind, name, mentions, role if kind in ("Method", "Dataset") else None, confidence, evidence)


def small_papers() -> tuple[list[Paper], list[PaperExtraction]]:
    """Three ordinary papers with entities, aliases, overlapping mentions and one result."""
    p1 = Paper("arxiv-2411.04996", "Mixture-of-Transformers: sparse multi-modal models",
               "We propose Mixture-of-Transformers (MoT), a sparse Transformer. MoT reaches 81.2% top-1 accuracy "
               "on ImageNet.", authors=("A. Author", "B. Author"), date="2024-11-07",
               url="https://arxiv.org/abs/2411.04996", arxiv_id="2411.04996", sources=(Source("a.txt", 1),))
    p2 = Paper("title-00000000000000a2", "Scaling vision Transformers",
               "We train a Transformer on ILSVRC2012 and report top-1 accuracy.", sources=(Source("a.txt", 5),))
    p3 = Paper("title-00000000000000a3", "Image classification benchmarks",
               "We compare convolutional networks and Transformers on ImageNet using accuracy.",
               sources=(Source("b.txt", 1),))
    e1 = PaperExtraction(p1.id, (
        _entity("Method", "Mixture-of-Transformers", p1, ("Mixture-of-Transformers", "MoT"), "proposed"),
        _entity("Method", "Transformer", p1, ("Transformer",)),
        _entity("Dataset", "ImageNet", p1, ("ImageNet",)),
        _entity("Metric", "top-1 accuracy", p1, ("top-1 accuracy",)),
        _entity("Method", "Mixture-of-Transformers", p1, ("Mixture-of-Transformers",), "proposed", field="title"),
    ), (Result("Mixture-of-Transformers", "ImageNet", "top-1 accuracy", "81.2%",
               _ev(p1.abstract, "81.2%"), 0.8),), "test-1")
    e2 = PaperExtraction(p2.id, (
        _entity("Method", "Transformer", p2, ("Transformer",)),
        _entity("Dataset", "ImageNet", p2, ("ILSVRC2012",)),
        _entity("Metric", "top-1 accuracy", p2, ("top-1 accuracy",)),
        # Overlaps "top-1 accuracy": the page must split the highlight, not drop or nest it.
        _entity("Metric", "accuracy", p2, ("accuracy",)),
    ), (), "test-1")
    e3 = PaperExtraction(p3.id, (
        _entity("Method", "Transformer", p3, ("Transformers",)),
        _entity("Method", "convolutional network", p3, ("convolutional networks",)),
        _entity("Dataset", "ImageNet", p3, ("ImageNet",)),
        _entity("Metric", "accuracy", p3, ("accuracy",)),
    ), (), "test-1")
    return [p1, p2, p3], [e1, e2, e3]


def small_graph() -> nx.MultiDiGraph:
    """The graph of `small_papers`."""
    papers, extractions = small_papers()
    return build_graph(papers, extractions)


def xss_graph() -> nx.MultiDiGraph:
    """`small_graph` plus papers and entities whose every string is an injection attempt."""
    papers, extractions = small_papers()
    x1 = Paper("title-1111111111111111", XSS_IMG,
               f"We evaluate {XSS_NAME} on ImageNet. {XSS_SCRIPT} It reaches 99% accuracy.",
               authors=(XSS_IMG,), url="javascript:alert(1)", sources=(Source("<evil>.txt", 1),))
    x2 = Paper("title-2222222222222222", XSS_SCRIPT, f"The {XSS_IMG} baseline uses a Transformer.",
               date="<script>alert(1)</script>", sources=(Source("x.txt", 2),))
    extractions += [
        PaperExtraction(x1.id, (
            _entity("Method", XSS_NAME, x1, (XSS_NAME,), "proposed"),
            _entity("Dataset", "ImageNet", x1, ("ImageNet",)),
            _entity("Task", XSS_SCRIPT, x1, (XSS_SCRIPT,)),
        ), (Result(XSS_NAME, "ImageNet", "accuracy", "<b onmouseover=alert(1)>99%</b>", _ev(x1.abstract, "99%")),),
            "test-1"),
        PaperExtraction(x2.id, (
            _entity("Method", "Transformer", x2, ("Transformer",)),
            _entity("Method", XSS_IMG, x2, (XSS_IMG,)),
        ), (), "test-1"),
    ]
    return build_graph([*papers, x1, x2], extractions)


_BUILT: dict[str, object] = {}


def corpus_site(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """(graph folder, site folder, seconds `site` took) for the real corpus, built once per test session."""
    if "site" not in _BUILT:
        from kg.builder import build
        from kg.views import site

        base = tmp_path_factory.mktemp("corpus-site")
        build([corpus_dir], base / "kg-out")
        started = time.perf_counter()
        site(base / "kg-out", base / "site")
        _BUILT.update(seconds=time.perf_counter() - started, graph=base / "kg-out", site=base / "site")
    return Path(str(_BUILT["graph"])), Path(str(_BUILT["site"])), float(str(_BUILT["seconds"]))


def board_graph() -> nx.MultiDiGraph:
    """`small_graph` plus four dated papers stating results on ImageNet (top-1 accuracy, higher is better;
    top-1 error, lower is better), some for the paper's own method and some for baselines."""
    papers, extractions = small_papers()
    specs = [
        ("arxiv-2501.00001", "NetA beats ResNet", "2025-01-10", "NetA", (("NetA", "80.1%"), ("ResNet", "76.0%"))),
        ("arxiv-2502.00002", "NetB is better still", "2025-02-11", "NetB", (("NetB", "84.5%"), ("NetA", "80.3%"))),
        ("arxiv-2503.00003", "NetC and a gain", "2025-03-12", "NetC", (("NetC", "82.0%"), ("NetC", "+2.0%"))),
    ]
    for pid, title, date, own, results in specs:
        sentences = [f"{m} reaches {v} top-1 accuracy on ImageNet." for m, v in results]
        abstract = " ".join(sentences)
        paper = Paper(pid, title, abstract, date=date, arxiv_id=pid.removeprefix("arxiv-"),
                      sources=(Source("boards.jsonl", len(papers) + 1),))
        papers.append(paper)
        entities = [_entity("Method", own, paper, (own,), "proposed"),
                    _entity("Dataset", "ImageNet", paper, ("ImageNet",)),
                    _entity("Metric", "top-1 accuracy", paper, ("top-1 accuracy",)),
                    _entity("Task", "image classification", paper, ("top-1 accuracy",))]
        entities += [_entity("Method", m, paper, (m,)) for m, _ in results if m != own]
        stated = tuple(Result(m, "ImageNet", "top-1 accuracy", v, _ev(abstract, v), 0.8) for m, v in results)
        extractions.append(PaperExtraction(pid, tuple(entities), stated, "test-1"))
    paper = Paper("arxiv-2503.00004", "Errors of NetB", "NetB has 15.5% top-1 error on ImageNet while NetA has "
                  "19.7% top-1 error.", date="2025-03-20", arxiv_id="2503.00004", sources=(Source("boards.jsonl", 9),))
    papers.append(paper)
    extractions.append(PaperExtraction(paper.id, (
        _entity("Method", "NetB", paper, ("NetB",)), _entity("Method", "NetA", paper, ("NetA",)),
        _entity("Dataset", "ImageNet", paper, ("ImageNet",)), _entity("Metric", "top-1 error", paper, ("top-1 error",)),
    ), (Result("NetA", "ImageNet", "top-1 error", "19.7%", _ev(paper.abstract, "19.7%")),
        Result("NetB", "ImageNet", "top-1 error", "15.5%", _ev(paper.abstract, "15.5%"))), "test-1"))
    return build_graph(papers, extractions)

"""Library API: offsets, JSON shape, input reading, robustness, worker determinism."""

from __future__ import annotations

import json
import time

import pytest

from kg.errors import InputError
from kg.extract import ExtractInput, extract, extract_one, extraction_to_json, extractor_version, read_extract_input
from kg.records import Paper, PaperExtraction

PAPERS = [
    ExtractInput(
        "a",
        "Mixture-of-Transformers: A Sparse and Scalable Architecture",
        "We introduce Mixture-of-Transformers (MoT), a sparse multi-modal transformer. MoT matches the dense "
        "baseline using only 55.8% of the FLOPs on ImageNet and CIFAR-10, and improves nDCG@10 by 2.8 on BEIR.",
    ),
    ExtractInput("b", "Maxout\nNetworks", "We define maxout and evaluate it with dropout on MNIST, CIFAR-100 and SVHN."),
    ExtractInput("c", "Empty abstract here", ""),
    ExtractInput("d", "", ""),
    ExtractInput(
        "e",
        "XTR: Rethinking retrieval",
        "XTR advances the state-of-the-art by 2.8 nDCG@10 on BEIR without any distillation. We use ColBERT and "
        "BERT as teachers for link prediction and image classification.",
    ),
]


def _check_offsets(paper, x: PaperExtraction):
    fields = {"title": paper.title, "abstract": paper.abstract}
    for e in x.entities:
        assert e.mentions, e
        for ev in e.evidence:
            text = fields[ev.field]
            mention = text[ev.start : ev.end]
            assert mention in e.mentions
            assert text[ev.sentence_start : ev.sentence_start + len(ev.sentence)] == ev.sentence
            assert ev.sentence_start <= ev.start and ev.end <= ev.sentence_start + len(ev.sentence)
        for m in e.mentions:
            assert m in paper.title or m in paper.abstract


def test_offsets_and_mentions_exact():
    for paper, x in zip(PAPERS, extract(PAPERS)):
        assert x.paper_id == paper.id
        assert x.extractor_version == extractor_version()
        _check_offsets(paper, x)


def test_accepts_records_paper():
    p = Paper(id="arXiv:1", title="BERT: Pre-training", abstract="We evaluate BERT on GLUE.")
    x = extract_one(p)
    assert {m for e in x.entities for m in e.mentions} >= {"BERT", "GLUE"}


def test_json_shape():
    x = extract_one(PAPERS[0])
    d = extraction_to_json(x)
    assert set(d) == {"id", "entities", "results"}
    for e in d["entities"]:
        assert set(e) == {"type", "name", "mentions", "role", "confidence", "evidence"}
        assert 0.0 <= e["confidence"] <= 1.0
        assert e["type"] in ("Method", "Dataset", "Metric", "Task")
        assert (e["role"] in ("proposed", "used")) == (e["type"] in ("Method", "Dataset"))
        for ev in e["evidence"]:
            assert set(ev) == {"field", "start", "end", "sentence"}
    for r in d["results"]:
        assert set(r) == {"method", "dataset", "metric", "value"}
    json.dumps(d)


def test_order_preserved_and_workers_identical():
    papers = PAPERS * 8
    one = [extraction_to_json(x) for x in extract(papers, workers=1, batch_size=4)]
    two = [extraction_to_json(x) for x in extract(papers, workers=2, batch_size=4)]
    assert [d["id"] for d in one] == [p.id for p in papers]
    assert one == two


@pytest.mark.parametrize(
    "abstract",
    [
        "",
        "   \n\t  ",
        "这是一个关于深度学习的摘要。我们提出了一种新方法。",
        "Nous proposons une méthode appelée FooNet pour la classification d'images.",
        "<p>We propose <b>FooNet</b> &amp; test on <i>ImageNet</i>.</p><br/>",
        r"We minimize $\mathcal{L}_{CE} = -\sum_i y_i \log p_i$ with \textbf{AdamW} at $10^{-3}$ (\cite{x}).",
        "Control\x00chars\x07 and \x1b[31mANSI\x1b[0m and \ufeffBOM \u200b zero-width (((((( ]]]] )))",
        "(" * 500 + "A (B) " * 200,
        "a" * 5000,
    ],
)
def test_robust_inputs(abstract):
    x = extract_one(ExtractInput("r", "Title (T) with \n newline", abstract))
    assert x.paper_id == "r"
    _check_offsets(ExtractInput("r", "Title (T) with \n newline", abstract), x)


def test_long_abstract_bounded_time():
    """A 100k-character abstract costs about four times a 25k one (linear, not quadratic), in CPU time, so that
    a loaded machine does not fail the test."""
    base = PAPERS[0].abstract + " "
    extract_one(ExtractInput("warm", "Warm", base))
    cost = {}
    for n in (25_000, 100_000):
        abstract = (base * (n // len(base) + 1))[:n]
        start = time.process_time()
        x = extract_one(ExtractInput("long", "Long", abstract))
        cost[n] = time.process_time() - start
        assert any(e.name == "Mixture-of-Transformers" for e in x.entities)
    assert cost[100_000] < 20
    assert cost[100_000] < 8 * max(cost[25_000], 0.05)


def test_read_extract_input(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "1", "title": "T", "abstract": "A"}\n\n{"id": 2, "title": "U", "abstract": null}\n', "utf-8")
    got = list(read_extract_input(p))
    assert [(g.id, g.title, g.abstract) for g in got] == [("1", "T", "A"), ("2", "U", "")]


@pytest.mark.parametrize(
    "content,line,msg",
    [
        ('{"id": "1", "title": "T", "abstract": "A"}\n{bad json\n', 2, "invalid JSON"),
        ('{"id": "1", "title": "T"}\n', 1, "abstract"),
        ('["x"]\n', 1, "JSON object"),
    ],
)
def test_read_extract_input_errors(tmp_path, content, line, msg):
    p = tmp_path / "bad.jsonl"
    p.write_text(content, "utf-8")
    with pytest.raises(InputError) as info:
        list(read_extract_input(p))
    assert info.value.line == line and info.value.path == str(p)
    assert msg in str(info.value)


def test_missing_input_file(tmp_path):
    with pytest.raises(InputError):
        list(read_extract_input(tmp_path / "nope.jsonl"))

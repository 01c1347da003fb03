#!/usr/bin/env python3
"""Train static word vectors on corpus-large and cluster the vocabulary for the learned decision's features.

usage: scripts/train_word_clusters.py [--corpus ../shared/corpus-large/arxiv-ml-50k.jsonl.gz]
       [--exclude data/train/batches ...] [--levels 32 256 1024] [--min-count 5] [--dim 100] [--epoch 5]
       [--out kg/extract/lexicon/word_clusters.json]

Every abstract (title, then abstract, as the extractor joins them) is split by the extractor's own tokenizer,
lower-cased, with reported numbers collapsed to ``<num>`` (as the context features see words); the annotated
abstracts (``--exclude``: the training batches and the dev set) are left out so that cross-validation stays
honest. Skip-gram vectors with subwords are trained with floret in plain fastText mode (one thread and fastText's fixed
seed, so a run is deterministic; ``pip install 'kg[vectors]'``, needed only here), L2-normalised, and the words
seen at least ``--min-count`` times are clustered by k-means (fixed seed, single thread) at each granularity
of ``--levels``. Only the word -> cluster table ships (``kg/extract/lexicon/word_clusters.json``); the vectors
are thrown away. The learned decision uses the cluster ids as features of a candidate's words and of the words
around it, so that a word it never saw annotated still shares weight with words used alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract.common import is_number  # noqa: E402
from kg.extract.convert import doc_text  # noqa: E402

SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared")
CORPUS = SHARED / "corpus-large" / "arxiv-ml-50k.jsonl.gz"
DEV = SHARED / "eval" / "dev_papers.jsonl"
OUT = ROOT / "kg" / "extract" / "lexicon" / "word_clusters.json"


def read_ids(paths: Iterable[Path]) -> set[str]:
    """Paper ids of JSONL files (a folder: all its ``*.jsonl``)."""
    ids: set[str] = set()
    for p in paths:
        for f in sorted(p.glob("*.jsonl")) if p.is_dir() else [p]:
            ids |= {str(json.loads(line)["id"]) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    return ids


def texts(corpus: Path, skip: set[str]) -> Iterator[str]:
    """The title and abstract of each corpus paper not in `skip`, joined as the extractor joins them."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                if str(d["id"]) not in skip:
                    yield doc_text(d.get("title") or "", d.get("abstract") or "")


def word(token: str) -> str:
    """A token as the features see it: lower case, a reported number collapsed to ``<num>``."""
    low = token.lower()
    return "<num>" if is_number(low) else low


def tokenize(docs: Iterable[str]) -> Iterator[list[str]]:
    """Each text as words, split by the extractor's tokenizer (whitespace tokens dropped)."""
    import spacy

    from kg.extract.tokenizer import customize_tokenizer

    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    for doc in nlp.tokenizer.pipe(docs, batch_size=256):
        yield [word(t.text) for t in doc if not t.is_space]


def train_vectors(path: Path, *, dim: int, epoch: int, min_count: int) -> tuple[list[str], "np.ndarray"]:
    """Skip-gram subword vectors (floret, fastText mode, one thread: fastText's fixed seed makes it deterministic)
    of the words in `path` seen `min_count` times."""
    import numpy as np

    try:
        import floret
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise SystemExit("training word vectors needs floret: pip install 'kg[vectors]'") from exc
    model = floret.train_unsupervised(
        str(path), model="skipgram", mode="fasttext", dim=dim, epoch=epoch, minCount=min_count, minn=3, maxn=6,
        ws=5, neg=5, bucket=200_000, thread=1, verbose=0,
    )
    words = list(model.words)
    vecs = np.vstack([model.get_word_vector(w) for w in words]).astype(np.float64)
    return words, vecs


def cluster(vecs: "np.ndarray", k: int, seed: int) -> "np.ndarray":
    """k-means cluster ids of L2-normalised rows (single thread, fixed seed: deterministic)."""
    import numpy as np
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    with threadpool_limits(1):
        km = KMeans(n_clusters=min(k, len(unit)), n_init=1, max_iter=100, random_state=seed)
        labels = km.fit_predict(unit)
    # renumber clusters by their first word (the vocabulary is sorted by frequency), so ids do not depend on
    # k-means' internal order
    order: dict[int, int] = {}
    for c in labels.tolist():
        order.setdefault(c, len(order))
    return np.asarray([order[c] for c in labels.tolist()], dtype=np.int32)


def build(corpus: Path, skip: set[str], *, levels: list[int], min_count: int, dim: int, epoch: int,
          seed: int) -> dict:
    """The word -> cluster table (see the module docstring) for the corpus minus `skip`."""
    counts: Counter[str] = Counter()
    papers = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        with open(path, "w", encoding="utf-8") as fh:
            for words in tokenize(texts(corpus, skip)):
                papers += 1
                counts.update(words)
                fh.write(" ".join(words) + "\n")
        words, vecs = train_vectors(path, dim=dim, epoch=epoch, min_count=min_count)
    keep = [i for i, w in enumerate(words) if counts[w] >= min_count and w != "</s>"]
    words = [words[i] for i in keep]
    vecs = vecs[keep]
    ids = [cluster(vecs, k, seed) for k in levels]
    table = {w: [int(c[i]) for c in ids] for i, w in enumerate(words)}
    info = {"corpus": corpus.name, "papers": papers, "excluded": len(skip), "words": len(table), "levels": levels,
            "min_count": min_count, "vectors": f"floret fastText-mode skipgram dim={dim} epoch={epoch} minn=3 maxn=6 "
            "ws=5 neg=5 bucket=200000 thread=1", "clusters": f"k-means n_init=1 seed={seed} on unit vectors"}
    return {"info": info, "words": dict(sorted(table.items()))}


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--exclude", type=Path, nargs="*", default=[ROOT / "data" / "train" / "batches", DEV])
    ap.add_argument("--levels", type=int, nargs="+", default=[32, 256, 1024])
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epoch", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    skip = read_ids(p for p in args.exclude if p.exists())
    table = build(args.corpus, skip, levels=args.levels, min_count=args.min_count, dim=args.dim, epoch=args.epoch,
                  seed=args.seed)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(args.out)
    info = table["info"]
    print(f"{info['words']} words in {args.levels} clusters from {info['papers']} abstracts "
          f"({len(skip)} annotated left out) -> {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Retrain the extractor's shipped decision model from the annotated abstracts in data/train (deterministic).

usage: scripts/train_default.py [--data data/train] [--out kg/extract/models/default] [--results-only]

Step 1 trains the entity decision (model.json, weights.npz); step 2 the result model (results.json,
results.npz) over the entities that decision finds. --results-only keeps the entity decision in --out and
retrains step 2 alone.

The same data and settings give byte-identical weights; `kg train` does the same for one papers/gold pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract.model import DEFAULT_MODEL_DIR, load_model, save_model  # noqa: E402
from kg.extract.result_model import save_results_model, train_results  # noqa: E402
from kg.extract.train import featurize, train  # noqa: E402


def read(paths: list[Path]) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "train")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    ap.add_argument("--results-only", action="store_true", help="retrain the result model alone")
    args = ap.parse_args()
    batches = sorted((args.data / "batches").glob("*.jsonl"))
    papers = read(batches)
    gold = {g["id"]: g for g in read([args.data / "gold" / b.name for b in batches])}
    if args.results_only:
        model = load_model(args.out)
    else:
        model = train(papers, gold)
        save_model(model, args.out)
        print(f"model {model.ident}: {model.info['papers']} papers, {model.info['candidates']} candidates, "
              f"{len(model.vocab)} features -> {args.out}")
    rmodel = train_results(papers, gold, model, data=featurize(papers))
    save_results_model(rmodel, args.out)
    print(f"result model {rmodel.ident}: {rmodel.info['pairs']} value-metric pairs, {len(rmodel.vocab)} features "
          f"-> {args.out}")


if __name__ == "__main__":
    main()

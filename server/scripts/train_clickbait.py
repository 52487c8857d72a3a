"""Train the clickbait model on the training split and write its weights.

Usage (from the repo root):
    .venv/bin/python server/scripts/train_clickbait.py [--data ../shared/data/clickbait]

Deterministic: fixed folds, a deterministic solver, and the same data give the
same weights. Model choices (the regularisation strength) are made by 5-fold
cross-validation inside the training split; the test split is only scored once
at the end, for the report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from feedaudit.understanding import clickbait
from feedaudit.understanding.clickbait_data import load_split
from feedaudit.understanding.embedder import Embedder, content_hash

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "clickbait"
REGULARISATION_GRID = (4.0, 16.0, 64.0)
FOLDS = 5


def prf(truth, predicted) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(truth, predicted, average="binary")
    return {"precision": round(float(precision), 4), "recall": round(float(recall), 4), "f1": round(float(f1), 4)}


def embed(embedder: Embedder, headlines: list[str], cache: Path | None) -> np.ndarray:
    """Embeddings of the headlines, reusing an optional on-disk cache keyed by content hash."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as stored:
            if str(stored["model_id"]) == embedder.model_id:
                known = dict(zip(stored["hashes"].tolist(), stored["vectors"]))
    hashes = [content_hash(headline) for headline in headlines]
    missing = sorted({h: text for h, text in zip(hashes, headlines) if h not in known}.items())
    if missing:
        vectors = embedder.encode([text for _, text in missing])
        known.update({h: vector for (h, _), vector in zip(missing, vectors)})
        if cache:
            np.savez(cache, model_id=np.array(embedder.model_id), hashes=np.array(list(known)),
                     vectors=np.vstack(list(known.values())))
    return np.vstack([known[h] for h in hashes]).astype(np.float32)


def fit(features, labels, regularisation: float) -> LogisticRegression:
    return LogisticRegression(C=regularisation, max_iter=5000, solver="lbfgs").fit(features, labels)


def choose_regularisation(features, labels) -> tuple[float, dict[str, float]]:
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    results = {}
    for regularisation in REGULARISATION_GRID:
        predicted = cross_val_predict(LogisticRegression(C=regularisation, max_iter=5000), features, labels, cv=folds)
        results[regularisation] = prf(labels, predicted)
        print(f"train {FOLDS}-fold CV  C={regularisation:<5} {results[regularisation]}", flush=True)
    best = max(REGULARISATION_GRID, key=lambda c: results[c]["f1"])
    return best, results[best]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the two .gz files")
    parser.add_argument("--out", type=Path, default=clickbait.DEFAULT_WEIGHTS_PATH)
    parser.add_argument("--cache", type=Path, default=None, help="optional .npz cache of headline embeddings")
    args = parser.parse_args(argv)
    if not (args.data / "clickbait_data.gz").exists():
        print(f"no clickbait data in {args.data}", file=sys.stderr)
        return 2

    train, test = load_split(args.data, "train"), load_split(args.data, "test")
    print(f"training headlines {len(train.headlines)}, test headlines {len(test.headlines)}", flush=True)
    embedder = Embedder()
    train_features = clickbait.feature_matrix(train.headlines, embed(embedder, train.headlines, args.cache))
    train_labels = np.array(train.labels)

    regularisation, cv_scores = choose_regularisation(train_features, train_labels)
    model = fit(train_features, train_labels, regularisation)
    coefficients = model.coef_[0].astype(np.float32)
    dimension, flags = embedder.dimension, len(clickbait.FLAG_NAMES)
    trained = clickbait.ClickbaitModel(
        embedding_weights=coefficients[:dimension],
        flag_weights=coefficients[dimension:dimension + flags],
        hashed_weights=coefficients[dimension + flags:],
        bias=float(model.intercept_[0]),
        model_id=embedder.model_id,
    )

    test_embeddings = embed(embedder, test.headlines, args.cache)
    predicted = trained.probabilities(test.headlines, test_embeddings) >= clickbait.BAIT_THRESHOLD
    test_scores = prf(test.labels, predicted.astype(int))
    summary = {"C": regularisation, "train_cv": cv_scores, "test": test_scores,
               "train_size": len(train.headlines), "test_size": len(test.headlines)}
    trained.save(args.out, metadata=json.dumps(summary))
    print("flag weights:", {n: round(float(w), 3) for n, w in zip(clickbait.FLAG_NAMES, trained.flag_weights)})
    print(f"chosen C={regularisation}  train CV {cv_scores}")
    print(f"test split {test_scores}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

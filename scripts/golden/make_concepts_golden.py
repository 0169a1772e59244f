"""Golden numbers for the concepts core (src/main/core/numeric/conceptP), checked by test/unit/concepts*.test.ts.

Run with Debian's Python (numpy + scikit-learn):  /usr/bin/python3 scripts/golden/make_concepts_golden.py
Writes resources/golden/concepts_golden.json:
- auroc: score/label vectors (scores rounded to a coarse grid so there are many ties) and
  sklearn.metrics.roc_auc_score for each;
- bce: cos/label pairs and sklearn.metrics.log_loss of P = sigmoid(a * (cos + b)) at a few (a, b), with
  |z| < 30 so sklearn's probability clip (eps = 1e-15) never bites.
"""
import os
import sys

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from common import to_json  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "resources", "golden")


def main():
    rng = np.random.default_rng(20260)
    auroc = []
    for n, pos_rate, step in [(40, 0.3, 0.25), (200, 0.1, 0.05), (500, 0.5, 0.01), (1000, 0.02, 0.001)]:
        y = (rng.random(n) < pos_rate).astype(int)
        y[0], y[1] = 1, 0  # both classes present
        s = rng.normal(size=n) + 0.8 * y
        s = np.round(s / step) * step  # ties
        auroc.append({"scores": s.tolist(), "labels": y.tolist(), "auroc": float(roc_auc_score(y, s))})
    n = 300
    cos = np.round(rng.normal(0.05, 0.1, size=n), 6).astype(np.float32).astype(np.float64)
    labels = (rng.random(n) < 1 / (1 + np.exp(-30 * (cos - 0.12)))).astype(int)
    bce = []
    for a, b in [(1, 0), (30, -0.12), (60, -0.09), (10.5, 0.2)]:
        p = 1 / (1 + np.exp(-a * (cos + b)))
        bce.append({"a": a, "b": b, "bce": float(log_loss(labels, p, labels=[0, 1]))})
    to_json(os.path.join(OUT, "concepts_golden.json"), {"auroc": auroc, "bcePairs": {"cos": cos.tolist(), "labels": labels.tolist(), "cases": bce}})


if __name__ == "__main__":
    main()

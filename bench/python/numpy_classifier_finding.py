"""NumPy / scikit-learn reference for bench/classifierFinding.ts: the same evaluation on the same float32 files.

argv: dir n k c d. Reads dir/acts.f32 (n x k, row-major), labels.f32 (k x d label embeddings), classes.f32 (c x d
class-name embeddings), member.u8 (n, the class of each image). Per class: the label of highest cosine (float64, both
norms, first on ties: np.argmax), then sklearn.metrics.roc_auc_score of that neuron's column for "image is of the class"
(scipy.stats.rankdata's Mann-Whitney form when scikit-learn is not installed). Prints one JSON line.
"""
import json
import sys
import time

import numpy as np

try:
    from sklearn.metrics import roc_auc_score

    IMPL = "sklearn.metrics.roc_auc_score"
except ImportError:  # the Debian machines here have scipy but not always scikit-learn
    from scipy.stats import rankdata

    IMPL = "scipy.stats.rankdata (Mann-Whitney)"

    def roc_auc_score(y, s):
        r = rankdata(s)
        pos = y.astype(bool)
        n1, n0 = pos.sum(), (~pos).sum()
        return (r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def main():
    d, n, k, c, dim = sys.argv[1], *map(int, sys.argv[2:6])
    acts = np.fromfile(f"{d}/acts.f32", dtype=np.float32).reshape(n, k)
    labels = np.fromfile(f"{d}/labels.f32", dtype=np.float32).reshape(k, dim).astype(np.float64)
    classes = np.fromfile(f"{d}/classes.f32", dtype=np.float32).reshape(c, dim).astype(np.float64)
    member = np.fromfile(f"{d}/member.u8", dtype=np.uint8)
    t0 = time.perf_counter()
    cos = (classes / np.linalg.norm(classes, axis=1, keepdims=True)) @ (labels / np.linalg.norm(labels, axis=1, keepdims=True)).T
    picked = np.argmax(cos, axis=1)
    aucs = [float(roc_auc_score(member == j, acts[:, picked[j]].astype(np.float64))) for j in range(c)]
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": round(seconds, 3), "impl": IMPL, "picked": picked.tolist(), "auroc": aucs,
                      "mean": float(np.mean(aucs)), "se": float(np.std(aucs, ddof=1) / np.sqrt(c))}))


main()

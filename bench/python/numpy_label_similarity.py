"""NumPy reference for bench/labelSimilarity.ts: the same cosines and means +- SE from the same embeddings.

argv: dir n_texts k methods tower:dim ... Reads dir/<tower>.f32 (n_texts x dim float32, the embeddings TypeScript
computed), classes.i32 (k row indices of the class names) and labels.i32 (methods x k row indices of the labels).
Cosine in float64 with both norms (0 for a zero row); mean and SE = sample SD / sqrt(k). Prints one JSON line.
"""
import json
import sys
import time

import numpy as np


def main():
    d, n, k, methods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    classes = np.fromfile(f"{d}/classes.i32", dtype=np.int32)
    labels = np.fromfile(f"{d}/labels.i32", dtype=np.int32).reshape(methods, k)
    out = {}
    for spec in sys.argv[5:]:
        tower, dim = spec.split(":")
        e = np.fromfile(f"{d}/{tower}.f32", dtype=np.float32).reshape(n, int(dim)).astype(np.float64)
        t0 = time.perf_counter()
        norms = np.linalg.norm(e, axis=1)
        a, b = e[labels], e[classes][None, :, :]
        na, nb = norms[labels], norms[classes][None, :]
        dots = np.einsum("mkd,mkd->mk", a, np.broadcast_to(b, a.shape))
        cos = np.where((na > 0) & (nb > 0), dots / np.maximum(na * nb, 1e-300), 0.0)
        means = cos.mean(axis=1)
        ses = cos.std(axis=1, ddof=1) / np.sqrt(k)
        out[tower] = {"seconds": round(time.perf_counter() - t0, 4), "cos": cos.tolist(), "means": means.tolist(),
                      "ses": ses.tolist()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""Torch reference for bench/clipDissect.ts: soft-WPMI as the reference's similarity.soft_wpmi, on the same inputs.

argv: dir n k m d threads. Reads dir/images.f32 (n x d), texts.f32 (m x d), acts.f32 (n x k, image-major), all
float32. Like the reference: the dense n x m float32 cosine matrix (filled in row blocks), softmax(10 cos) over
concepts in place, torch.topk(acts, 100, dim=0), then per neuron gather its 100 rows and
sum(log(1 + p (S - 1) + 1e-7)); log P(t) = logsumexp over neurons - log k; score = L - 1.0 log P(t).
(torch.topk's order among equal activations is unspecified; the bench's activations have no ties.)
Prints one JSON line: seconds (total and per stage), peak RSS, and the label (argmax) of every neuron.
"""
import json
import resource
import sys
import time

import numpy as np
import torch


def main():
    d, n, k, m, dim, threads = sys.argv[1:7]
    n, k, m, dim, threads = int(n), int(k), int(m), int(dim), int(threads)
    torch.set_num_threads(threads)
    img = torch.from_numpy(np.fromfile(f"{d}/images.f32", dtype=np.float32).reshape(n, dim))
    txt = torch.from_numpy(np.fromfile(f"{d}/texts.f32", dtype=np.float32).reshape(m, dim))
    acts = torch.from_numpy(np.fromfile(f"{d}/acts.f32", dtype=np.float32).reshape(n, k))
    data_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    top_k, a, lam = 100, 10.0, 1.0
    with torch.no_grad():
        t0 = time.perf_counter()
        s = torch.empty((n, m), dtype=torch.float32)
        step = max(1, (1 << 24) // m)
        tt = txt.t().contiguous()
        for r0 in range(0, n, step):
            s[r0:r0 + step] = torch.softmax(a * (img[r0:r0 + step] @ tt), dim=1)
        t1 = time.perf_counter()
        inds = torch.topk(acts, dim=0, k=top_k)[1]
        p = (0.998 - torch.arange(0, top_k) / top_k * (0.998 - 0.97)).unsqueeze(1)
        L = torch.empty((k, m), dtype=torch.float32)
        for j in range(k):
            cur = s.index_select(0, inds[:, j])
            L[j] = torch.sum(torch.log(1 + p * (cur - 1) + 1e-7), dim=0)
        t2 = time.perf_counter()
        log_pt = torch.logsumexp(L, dim=0, keepdim=True) - torch.log(torch.tensor(float(k)))
        score = L - lam * log_pt
        best = torch.argmax(score, dim=1)
        t3 = time.perf_counter()
    print(json.dumps({
        "seconds": round(t3 - t0, 2),
        "stages": {"softmaxDense": round(t1 - t0, 2), "topkAndLogSums": round(t2 - t1, 2), "logsumexpArgmax": round(t3 - t2, 2)},
        "threads": threads,
        "torch": torch.__version__,
        "dataRssMB": round(data_rss),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "best": best.tolist(),
        "bestScore": [round(float(v), 5) for v in score.gather(1, best.unsqueeze(1)).squeeze(1)],
    }))


if __name__ == "__main__":
    main()

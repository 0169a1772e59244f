"""Torch reference for bench/conceptP.ts (same embeddings, same threads).

argv: dir N M D C a b threads gridPoints. Reads dir/images.f32 (N x D), texts.f32 (M x D), classes.i32.
(a) dense float32 P = sigmoid(a (I T^T + b)) in row blocks, with per-concept top-5 (merged per block) and
    sum / sum of squares in float64 -> the top-5 filter.
(b) the reference grid BCE on the C label concepts: binary_cross_entropy_with_logits over all N x C pairs,
    timed on a sample of grid points and extrapolated to gridPoints (the full grid takes too long).
Prints one JSON line.
"""
import json
import resource
import sys
import time

import numpy as np
import torch


def main():
    d, n, m, dim, c, a, b, threads, grid_points = sys.argv[1:10]
    n, m, dim, c, threads, grid_points = int(n), int(m), int(dim), int(c), int(threads), int(grid_points)
    a, b = float(a), float(b)
    torch.set_num_threads(threads)
    img = torch.from_numpy(np.fromfile(f"{d}/images.f32", dtype=np.float32).reshape(n, dim))
    txt = torch.from_numpy(np.fromfile(f"{d}/texts.f32", dtype=np.float32).reshape(m, dim))
    cls = torch.from_numpy(np.fromfile(f"{d}/classes.i32", dtype=np.int32).astype(np.int64))
    data_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with torch.no_grad():
        t0 = time.perf_counter()
        p = torch.empty((n, m), dtype=torch.float32)
        top = torch.full((5, m), -1.0)
        s1 = torch.zeros(m, dtype=torch.float64)
        s2 = torch.zeros(m, dtype=torch.float64)
        step = max(1, (1 << 23) // m)
        tt = txt.t().contiguous()
        for r0 in range(0, n, step):
            blk = torch.sigmoid(a * (img[r0:r0 + step] @ tt + b))
            p[r0:r0 + step] = blk
            top = torch.topk(torch.cat([top, blk]), 5, dim=0).values
            b64 = blk.double()
            s1 += b64.sum(0)
            s2 += (b64 * b64).sum(0)
        top5 = top.double().mean(0)
        std = ((s2 - s1 * s1 / n) / (n - 1)).clamp(min=0).sqrt()
        kept = int(((top5 >= 0.5) & (std >= 1e-5)).sum())
        build_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        cos = img @ txt[:c].t().contiguous()
        y = torch.zeros((n, c), dtype=torch.float32)
        y[torch.arange(n), cls] = 1
        cos_s = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        sample = [(float(rng.choice([0.1, 0.25, 0.5, 0.75, 1] + list(range(0, 151, 2)))), float(rng.integers(-100, 101) / 100)) for _ in range(8)]
        t0 = time.perf_counter()
        best = (float("inf"), None)
        for aa, bb in sample:
            loss = float(torch.nn.functional.binary_cross_entropy_with_logits(aa * (cos + bb), y))
            best = min(best, (loss, (aa, bb)))
        per_point = (time.perf_counter() - t0) / len(sample)
    print(json.dumps({
        "threads": threads,
        "torch": torch.__version__,
        "buildP": {"seconds": round(build_s, 2), "bytesP": p.numel() * 4, "kept": kept},
        "calibration": {"cosSeconds": round(cos_s, 2), "gridSecondsPerPoint": round(per_point, 3), "gridPointsSampled": len(sample),
                         "gridSecondsExtrapolated": round(per_point * grid_points, 1), "gridPoints": grid_points},
        "dataRssMB": round(data_rss),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()

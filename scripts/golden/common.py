"""Helpers shared by the golden generators: the TS code's split PRNG and standardisation, in numpy."""
import json
import numpy as np

M32 = 0xFFFFFFFF


def mulberry32(seed):
    """Same generator as src/main/core/numeric/le/splits.ts (uint32 arithmetic)."""
    a = seed & M32

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return rand


def make_split(n, seed=0, f_train=0.7, f_val=0.1):
    """Same as makeSplit in splits.ts: Fisher-Yates with mulberry32, then 0 train / 1 val / 2 test."""
    rand = mulberry32(seed)
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(np.floor(rand() * (i + 1)))
        perm[i], perm[j] = perm[j], perm[i]
    n_train = int(np.floor(f_train * n + 0.5))
    n_val = min(n - n_train, int(np.floor(f_val * n + 0.5)))
    out = np.full(n, 2, dtype=np.uint8)
    out[perm[:n_train]] = 0
    out[perm[n_train:n_train + n_val]] = 1
    return out


def column_stats(x, min_std=1e-7):
    """Population mean/std per column; constant columns get std 1 and a flag (standardise.ts)."""
    mean = x.mean(axis=0)
    std = np.sqrt(((x - mean) ** 2).mean(axis=0))
    constant = ~(std >= min_std)
    std = np.where(constant, 1.0, std)
    return mean, std, constant


def standardise(x, mean, std, constant):
    return np.where(constant, 0.0, (x - mean) / std)


def to_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))

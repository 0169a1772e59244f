"""Golden numbers for the explain core (src/main/core/numeric/le), checked by test/unit/explain*.test.ts.

Run with Debian's Python (numpy + scikit-learn):  /usr/bin/python3 scripts/golden/make_enet_golden.py
Writes resources/golden/enet_golden.json and resources/golden/ls_pearson_golden.json.

Planted data set: N = 600 images, M = 40 concepts (15 binary label-like columns: 12 one-hot classes +
3 superclasses; 24 dense [0, 1] columns with shared low-rank structure, quantised to 1/256 so float32
holds them exactly; 1 constant column to exercise the zero-variance guard), K = 6 neurons = sparse
combinations + noise (quantised to 1/1024). Split: the TS makeSplit(600, seed 7). Standardisation on
train exactly like standardise.ts. sklearn ElasticNet(alpha=lambda, l1_ratio=eta, fit_intercept=True,
tol=1e-10, max_iter=100000) per neuron, on standardised X with standardised y (LE step 2) and with raw y.
"""
import os
import sys

import numpy as np
from sklearn.linear_model import ElasticNet

sys.path.insert(0, os.path.dirname(__file__))
from common import column_stats, make_split, standardise, to_json  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "resources", "golden")


def planted(rng, n=600):
    classes = rng.integers(0, 12, size=n)
    onehot = np.zeros((n, 12))
    onehot[np.arange(n), classes] = 1
    supers = [[0, 1, 2], [3, 4, 5, 6], [7, 8]]
    sup = np.stack([onehot[:, s].sum(axis=1) for s in supers], axis=1)
    latent = rng.normal(size=(n, 4))
    load = rng.normal(size=(4, 24))
    dense = 1 / (1 + np.exp(-(latent @ load * 0.6 + rng.normal(size=(n, 24)) * 0.8)))
    dense = np.round(dense * 256) / 256
    const = np.full((n, 1), 0.5)
    p = np.concatenate([onehot, sup, dense, const], axis=1)
    m = p.shape[1]
    k = 6
    w = np.zeros((m, k))
    plan = [
        {0: 2.0, 12: 1.0},
        {15: 1.5, 16: -0.8, 20: 0.6},
        {13: 1.2, 30: 0.9},
        {5: -1.0, 18: 2.0, 25: 0.7, 33: 0.5},
        {14: 0.8},
        {22: 1.1, 23: 1.1, 9: 0.4},
    ]
    for j, terms in enumerate(plan):
        for c, v in terms.items():
            w[c, j] = v
    q = p @ w + 0.3 * rng.normal(size=(n, k)) + 0.1
    q = np.round(q * 1024) / 1024
    return p, q, classes, supers, plan


def enet_fits(xs, y, lam, eta):
    coef, intercept = [], []
    for j in range(y.shape[1]):
        model = ElasticNet(alpha=lam, l1_ratio=eta, fit_intercept=True, tol=1e-10, max_iter=100000)
        model.fit(xs, y[:, j])
        coef.append(model.coef_.tolist())
        intercept.append(float(model.intercept_))
    return coef, intercept


def main():
    rng = np.random.default_rng(20261121)
    p, q, classes, supers, plan = planted(rng)
    n, m = p.shape
    k = q.shape[1]
    split = make_split(n, seed=7)
    train = np.nonzero(split == 0)[0]
    p_mean, p_std, p_const = column_stats(p[train])
    q_mean, q_std, q_const = column_stats(q[train])
    xs = standardise(p[train], p_mean, p_std, p_const)
    ys = standardise(q[train], q_mean, q_std, q_const)
    eta = 0.99
    fits = []
    for lam, target in [(0.05 / 0.99, "std"), (0.01, "std"), (0.05 / 0.99, "raw")]:
        y = ys if target == "std" else q[train]
        coef, intercept = enet_fits(xs, y, lam, eta)
        fits.append({"lambda": lam, "eta": eta, "target": target, "coef": coef, "intercept": intercept})
    to_json(os.path.join(OUT, "enet_golden.json"), {
        "generator": "scripts/golden/make_enet_golden.py",
        "n": n, "m": m, "k": k, "splitSeed": 7,
        "p": p.astype(np.float32).astype(float).ravel().tolist(),
        "q": q.astype(np.float32).astype(float).ravel().tolist(),
        "classIds": classes.tolist(), "superclasses": supers,
        "split": split.tolist(),
        "pMean": p_mean.tolist(), "pStd": p_std.tolist(), "pConstant": p_const.astype(int).tolist(),
        "qMean": q_mean.tolist(), "qStd": q_std.tolist(),
        "plan": [{str(c): v for c, v in t.items()} for t in plan],
        "fits": fits,
    })

    # Least squares with intercept (numpy.linalg.lstsq) and Pearson (numpy.corrcoef).
    rng = np.random.default_rng(5)
    ls_cases = []
    for n_ls, p_ls in [(50, 3), (200, 6), (12, 1)]:
        x = rng.normal(size=(n_ls, p_ls)) * rng.uniform(0.1, 3, size=p_ls) + rng.uniform(-2, 2, size=p_ls)
        y = x @ rng.normal(size=p_ls) + rng.normal(size=n_ls) * 0.5 + 3.0
        sol = np.linalg.lstsq(np.concatenate([np.ones((n_ls, 1)), x], axis=1), y, rcond=None)[0]
        ls_cases.append({"n": n_ls, "p": p_ls, "x": x.ravel().tolist(), "y": y.tolist(), "bias": float(sol[0]), "weights": sol[1:].tolist()})
    pearson_cases = []
    for n_pc in [3, 10, 1000]:
        a = rng.normal(size=n_pc)
        b = 0.6 * a + rng.normal(size=n_pc) + 5
        pearson_cases.append({"x": a.tolist(), "y": b.tolist(), "r": float(np.corrcoef(a, b)[0, 1])})
    to_json(os.path.join(OUT, "ls_pearson_golden.json"), {
        "generator": "scripts/golden/make_enet_golden.py",
        "leastSquares": ls_cases,
        "pearson": pearson_cases,
    })


if __name__ == "__main__":
    main()

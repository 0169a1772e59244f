"""Golden numbers for the ablation core (src/main/core/numeric/ablation), checked by test/unit/ablationGolden.test.ts.

Run with Debian's Python (numpy + torch):  /usr/bin/python3 scripts/golden/make_ablation_golden.py
Writes resources/golden/ablation_golden.json.

A small random layer feeding a linear head: N = 90 images (10 train / 30 val / 50 test, shuffled),
K = 4 features (ReLU Gaussian), C = 6 classes, T = 1.3, labels sampled from softmax(z / 1.2), one simulated
explanation per neuron (noisy copy of the activation). Every number is quantised to 1/1024 so float32 holds
it exactly. Everything below is computed INDEPENDENTLY of the closed form: the logits of every modified
image are recomputed from scratch (A' W^T + b) in float64, and Optim runs torch.optim.Adam on torch autograd.
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from common import to_json  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "resources", "golden")
BETAS = [0.0003, 0.002, 0.02, 0.1, 0.5, 1.0]


def q(x):
    return np.round(np.asarray(x) * 1024) / 1024


def losses_with(a, w, b, y, t, k, values):
    """Per-image CE of softmax(logits / T) with feature k of every image replaced by `values` (torch)."""
    a2 = a.clone()
    a2[:, k] = values
    z = a2 @ w.T + b
    return torch.nn.functional.cross_entropy(z / t, y, reduction="none"), z


def fit_temperature(z, y):
    """Bisection on d NLL / d beta (monotone: NLL is convex in beta = 1/T), to machine precision."""
    def grad(beta):
        u = beta * z
        p = np.exp(u - u.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return float(np.mean((p * z).sum(axis=1) - z[np.arange(len(y)), y]))
    lo, hi = 1 / 20, 1 / 0.05
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if grad(mid) > 0:
            hi = mid
        else:
            lo = mid
    beta = 0.5 * (lo + hi)
    u = beta * z
    m = u.max(axis=1)
    nll = float(np.mean(m + np.log(np.exp(u - m[:, None]).sum(axis=1)) - u[np.arange(len(y)), y]))
    return 1 / beta, nll


def main():
    rng = np.random.default_rng(20261122)
    n, k, c, t = 90, 4, 6, 1.3
    a = q(np.maximum(rng.normal(0.2, 1.0, size=(n, k)), 0))
    w = q(rng.normal(0, 0.8, size=(c, k)))
    b = q(rng.normal(0, 0.2, size=c))
    z0 = a @ w.T + b
    p = np.exp(z0 / 1.2 - (z0 / 1.2).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(c, p=p[i]) for i in range(n)])
    sims = q(a + rng.normal(0, 0.5, size=(n, k)) + 0.1)
    split = np.array([0] * 10 + [1] * 30 + [2] * 50, dtype=np.uint8)
    rng.shuffle(split)
    val = np.nonzero(split == 1)[0]
    test = np.nonzero(split == 2)[0]

    A = torch.tensor(a, dtype=torch.float64)
    W = torch.tensor(w, dtype=torch.float64)
    B = torch.tensor(b, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.long)
    S = torch.tensor(sims, dtype=torch.float64)
    base = torch.nn.functional.cross_entropy((A @ W.T + B) / t, Y, reduction="none")

    neurons = []
    for kk in range(k):
        mu = float(a[val, kk].mean())
        lm, _ = losses_with(A[test], W, B, Y[test], t, kk, torch.full((len(test),), mu, dtype=torch.float64))
        denom = float((lm - base[test]).abs().sum())

        def test_numerator(cc, dd):
            lt, _ = losses_with(A[test], W, B, Y[test], t, kk, cc * S[test, kk] + dd)
            return float((lt - base[test]).abs().sum())

        av, sv = a[val, kk], sims[val, kk]
        rho = float(np.corrcoef(av, sv)[0, 1])
        cn = rho * av.std() / sv.std()  # population std; the ratio makes the convention irrelevant
        dn = av.mean() - cn * sv.mean()
        num_norm = test_numerator(cn, dn)

        cd = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([cd], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
        grad0 = None
        obj0 = None
        for step in range(100):
            opt.zero_grad()
            lv, _ = losses_with(A[val], W, B, Y[val], t, kk, cd[0] * S[val, kk] + cd[1])
            obj = (lv - base[val]).abs().sum()
            obj.backward()
            if step == 0:
                grad0 = cd.grad.detach().clone().tolist()
                obj0 = float(obj)
            opt.step()
        co, do = float(cd[0]), float(cd[1])
        num_optim = test_numerator(co, do)
        neurons.append({
            "neuron": kk, "valMean": mu, "denominator": denom,
            "norm": {"c": float(cn), "d": float(dn), "rho": rho, "numerator": num_norm, "score": 1 - num_norm / denom},
            "optim": {"c": co, "d": do, "numerator": num_optim, "score": 1 - num_optim / denom,
                      "initialObjective": obj0, "initialGrad": grad0},
        })

    # Top Impact: zero ablation over all images.
    acc0 = (z0.argmax(axis=1) == y).astype(float)
    l0 = base.numpy()
    ti = []
    for kk in range(k):
        lz, zz = losses_with(A, W, B, Y, t, kk, torch.zeros(n, dtype=torch.float64))
        acc1 = (zz.detach().numpy().argmax(axis=1) == y).astype(float)
        imp = 0.5 * ((acc0 - acc1) / acc0.sum() + (lz.detach().numpy() - l0) / l0.sum())
        order = np.lexsort((np.arange(n), -a[:, kk]))  # activation descending, ties by index
        cum = np.concatenate([[0], np.cumsum(np.abs(imp[order]))])
        tot = cum[-1]
        ti.append({"neuron": kk, "impacts": imp.tolist(),
                   "atBetas": [float(cum[min(n, math.ceil(bt * n * (1 - 1e-12)))] / tot) for bt in BETAS]})

    t_fit, nll = fit_temperature(z0[val], y[val])
    to_json(os.path.join(OUT, "ablation_golden.json"), {
        "n": n, "k": k, "c": c, "temperature": t,
        "activations": a.ravel().tolist(), "weight": w.ravel().tolist(), "bias": b.tolist(),
        "labels": y.tolist(), "simulated": sims.ravel().tolist(), "split": split.tolist(),
        "baseLosses": l0.tolist(), "neurons": neurons,
        "topImpact": {"betas": BETAS, "perNeuron": ti},
        "temperatureFit": {"temperature": t_fit, "nll": nll},
    })
    print("wrote", os.path.join(OUT, "ablation_golden.json"))


if __name__ == "__main__":
    main()

"""Experiment for issue #13's captioner speed goal (docs/captioner.md "Benchmark"): how much of a decoder step is the
cross-attention key/value projection of the encoder states, which the bench's export (like transformers.js' GPT-2
VisionEncoderDecoder exports) recomputes every step.

  torch    time PyTorch greedy captioning of 8 images (encoder + 16 steps) with the decoder as is, and with each
           layer's cross-attention k/v Linear computed once per caption (same modules, same weights); ids must match
  export   write <out>/pre.onnx (encoder states -> the 24 split k/v tensors) and <out>/step.onnx (one decoder step
           that takes them as inputs) from the same weights, for scripts/experiments/captionerCrossKv.ts

Needs the bench export (scripts/fixtures/export_captioner_bench.py). Nothing here is used by the app.
Usage: /usr/bin/python3 captioner_cross_kv.py torch|export [--out /tmp/nwb-captioner-bench/cross-kv] [--threads 2]
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))

import torch  # noqa: E402

import export_captioner_bench as eb  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench", "python"))
from captioner_torch import Memo  # noqa: E402  (the bench reference's once-per-caption Linear)

B = 8


def load():
    enc, dec, _ = eb.build()
    st = torch.load("/tmp/nwb-captioner-bench/weights.pt")
    enc.load_state_dict(st["encoder"])
    dec.load_state_dict(st["decoder"])
    for p in list(enc.parameters()) + list(dec.parameters()):
        p.requires_grad_(False)
    return enc.eval(), dec.eval()


def torch_timing(threads):
    torch.set_num_threads(threads)
    enc, dec = load()
    x = torch.sin(torch.arange(B * 3 * 224 * 224, dtype=torch.float32) * 0.37).reshape(B, 3, 224, 224)
    lins = {(i, n): getattr(b.cross, n) for i, b in enumerate(dec.blocks) for n in ("k", "v")}

    def caption(cached):
        for (i, n), lin in lins.items():
            setattr(dec.blocks[i].cross, n, Memo(lin) if cached else lin)
        with torch.inference_mode():
            h = enc(x)
            last, past, ids = torch.zeros((B, 1), dtype=torch.long), dec.empty_past(B), []
            for _ in range(16):
                logits, *past = dec(last, h, *past)
                last = logits[:, -1].argmax(-1)[:, None]
                ids.append(last)
            return torch.cat(ids, 1)

    ref = caption(False), caption(True)
    out = {"equal_ids": bool((ref[0] == ref[1]).all()), "threads": threads, "runs": []}
    for _ in range(2):
        for cached in (False, True):
            w0, c0 = time.perf_counter(), time.process_time()
            caption(cached)
            out["runs"].append({"cached": cached, "wall_s": round(time.perf_counter() - w0, 2),
                                "cpu_s": round(time.process_time() - c0, 2)})
    print(json.dumps(out))


def export(out):
    _, dec = load()
    layers = len(dec.blocks)

    class Pre(torch.nn.Module):
        def forward(self, enc):
            res = []
            for b in dec.blocks:
                c = b.cross
                res += [c.split(c.k(enc)), c.split(c.v(enc))]
            return tuple(res)

    class Step(torch.nn.Module):
        """DecoderBlock.forward for one new token with the cross k/v given (t = 1: the causal mask is all true)."""

        def forward(self, input_ids, *args):
            cross, past = args[: 2 * layers], args[2 * layers:]
            x = dec.wte(input_ids) + dec.wpe(torch.arange(1).unsqueeze(0) + past[0].shape[2])
            pres = []
            for i, b in enumerate(dec.blocks):
                a, h = b.self_attn, b.ln1(x)
                k = torch.cat([past[2 * i], a.split(a.k(h))], dim=2)
                v = torch.cat([past[2 * i + 1], a.split(a.v(h))], dim=2)
                x = x + a.attend(a.split(a.q(h)), k, v, None)
                c = b.cross
                x = x + c.attend(c.split(c.q(b.ln2(x))), cross[2 * i], cross[2 * i + 1])
                x = x + b.mlp(b.ln3(x))
                pres += [k, v]
            return (dec.ln(x) @ dec.wte.weight.t(), *pres)

    os.makedirs(out, exist_ok=True)
    h = torch.randn(2, 197, 768)
    cross = Pre()(h)
    past = [torch.zeros(2, 12, 3, 64)] * (2 * layers)
    names = [f"{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    cn, pn = [f"cross.{n}" for n in names], [f"past.{n}" for n in names]
    dyn = {n: {0: "b", 2: "p"} for n in pn} | {n: {0: "b"} for n in cn} | {"input_ids": {0: "b"}}
    with torch.no_grad():
        torch.onnx.export(Pre(), (h,), os.path.join(out, "pre.onnx"), input_names=["enc"], output_names=cn,
                          dynamic_axes={"enc": {0: "b"}}, opset_version=14)
        torch.onnx.export(Step(), (torch.zeros(2, 1, dtype=torch.long), *cross, *past), os.path.join(out, "step.onnx"),
                          input_names=["input_ids", *cn, *pn], output_names=["logits", *[f"present.{n}" for n in names]],
                          dynamic_axes=dyn, opset_version=14)
    print(json.dumps({"wrote": out}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["torch", "export"])
    ap.add_argument("--out", default="/tmp/nwb-captioner-bench/cross-kv")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch_timing(a.threads) if a.what == "torch" else export(a.out)


if __name__ == "__main__":
    main()

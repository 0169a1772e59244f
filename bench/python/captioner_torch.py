"""PyTorch greedy captioning speed, the reference for bench/captioner.ts.

Loads the same modules as the ONNX export (scripts/fixtures/train_captioner.py) with the given state_dicts and
captions N images in batches (as captioner.ts does: batched encoder, batched greedy steps, each row cut at its EOS): uint8 grey pixels -> float, resize to the encoder's
input (bilinear, only when needed), normalise, encoder, greedy decoding with the KV cache. `--fixed N` bans
EOS so every caption is exactly N tokens (random weights would stop anywhere). Each layer's cross-attention key and
value projections of the encoder states are computed once per batch of captions, as the runtime does (captioner.ts,
crossKvGreedy.ts; scripts/experiments/captioner_cross_kv.py imports this Memo); `--recompute` computes them every
step instead (the exported decoder's own behaviour). Prints one JSON line.

Usage: captioner_torch.py --weights W.pt [--bench-size] --threads T --images N [--batch B] [--max-new 16] [--fixed N]
       [--recompute]
"""
import argparse
import gzip
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "fixtures"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import train_captioner as tc  # noqa: E402


class Memo(torch.nn.Module):
    """A Linear computed once per encoder tensor (the tensor object is the key): the cross-attention k/v."""

    def __init__(self, lin):
        super().__init__()
        self.lin, self.key, self.val = lin, None, None

    def forward(self, x):
        if self.key is not x:
            self.key, self.val = x, self.lin(x)
        return self.val


def images(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:n]


@torch.no_grad()
def caption(enc, dec, imgs, size, max_new, fixed):
    """A batch of images: batched encoder, batched greedy steps until every row has emitted EOS (as captioner.ts)."""
    x = torch.from_numpy(imgs.astype(np.float32))[:, None] * (1 / 255)
    if size != 28:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    x = ((x - tc.MEAN) / tc.STD).expand(-1, 3, -1, -1)
    h = enc(x)
    b = len(imgs)
    last, past = torch.full((b, 1), tc.TOK[tc.BOS]), dec.empty_past(b)
    out, done = [[] for _ in range(b)], [False] * b
    for _ in range(fixed or max_new):
        logits, *past = dec(last, h, *past)
        rows = logits[:, -1]
        if fixed:
            rows[:, tc.TOK[tc.EOS]] = -float("inf")
        nxt = rows.argmax(-1)
        for i, t in enumerate(nxt.tolist()):
            if not done[i]:
                out[i].append(t)
                done[i] = t == tc.TOK[tc.EOS]
        if all(done):
            break
        last = nxt[:, None]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--bench-size", action="store_true", help="the ViT-GPT2-sized model of export_captioner_bench.py")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--max-new", type=int, default=16)
    ap.add_argument("--fixed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--recompute", action="store_true", help="cross-attention keys/values every step (no caching)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    state = torch.load(a.weights)
    if a.bench_size:
        import export_captioner_bench as eb

        enc, dec, _ = eb.build()
        size = eb.SIZE["image"]
    else:
        enc, dec, size = tc.Encoder(), tc.Decoder(len(tc.VOCAB)), 28
    enc.load_state_dict(state["encoder"])
    dec.load_state_dict(state["decoder"])
    enc.eval(), dec.eval()
    if not a.recompute:
        for blk in dec.blocks:
            blk.cross.k, blk.cross.v = Memo(blk.cross.k), Memo(blk.cross.v)
    imgs = images(a.images)
    caption(enc, dec, imgs[: a.batch], size, a.max_new, a.fixed)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    tokens = 0
    for i in range(0, len(imgs), a.batch):
        tokens += sum(len(c) for c in caption(enc, dec, imgs[i : i + a.batch], size, a.max_new, a.fixed))
    s = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"images": len(imgs), "seconds": s, "captions_per_s": len(imgs) / s, "cpu_seconds": cpu,
                      "captions_per_cpu_s": len(imgs) / cpu, "tokens": tokens,
                      "threads": a.threads, "batch": a.batch, "torch": torch.__version__,
                      "cross_kv": "every step" if a.recompute else "once per caption"}))


if __name__ == "__main__":
    main()

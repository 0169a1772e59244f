"""PyTorch greedy captioning speed, the reference for bench/captioner.ts.

Loads the same modules as the ONNX export (scripts/fixtures/train_captioner.py) with the given state_dicts and
captions N images one at a time (batch 1, as the app does): uint8 grey pixels -> float, resize to the encoder's
input (bilinear, only when needed), normalise, encoder, greedy decoding with the KV cache. `--fixed N` bans
EOS so every caption is exactly N tokens (random weights would stop anywhere). Prints one JSON line.

Usage: captioner_torch.py --weights W.pt [--bench-size] --threads T --images N [--max-new 16] [--fixed N]
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


def images(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:n]


@torch.no_grad()
def caption(enc, dec, img, size, max_new, fixed):
    x = torch.from_numpy(img.astype(np.float32))[None, None] * (1 / 255)
    if size != 28:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    x = ((x - tc.MEAN) / tc.STD).expand(-1, 3, -1, -1)
    h = enc(x)
    ids, past, out = [tc.TOK[tc.BOS]], dec.empty_past(1), []
    for _ in range(fixed or max_new):
        logits, *past = dec(torch.tensor([[ids[-1]]]), h, *past)
        row = logits[0, -1]
        if fixed:
            row[tc.TOK[tc.EOS]] = -float("inf")
        nxt = int(row.argmax())
        out.append(nxt)
        ids.append(nxt)
        if nxt == tc.TOK[tc.EOS]:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--bench-size", action="store_true", help="the ViT-GPT2-sized model of export_captioner_bench.py")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--max-new", type=int, default=16)
    ap.add_argument("--fixed", type=int, default=0)
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
    imgs = images(a.images)
    caption(enc, dec, imgs[0], size, a.max_new, a.fixed)  # warm-up
    t0 = time.perf_counter()
    tokens = sum(len(caption(enc, dec, im, size, a.max_new, a.fixed)) for im in imgs)
    s = time.perf_counter() - t0
    print(json.dumps({"images": len(imgs), "seconds": s, "captions_per_s": len(imgs) / s, "tokens": tokens,
                      "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

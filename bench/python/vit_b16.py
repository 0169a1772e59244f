"""ViT-B/16-sized vision tower for bench/inference.ts: torchvision vit_b_16 with random weights (seed 0, no
download) and the classification head dropped, so it outputs the 768-d pooled CLS embedding.

Not a fixture: the ~340 MB ONNX file is generated into a cache/temp dir at bench time, never committed.
Usage:
  /usr/bin/python3 bench/python/vit_b16.py --export OUT.onnx
      -> ONNX opset 17, input pixel_values float32 [batch,3,224,224] (dynamic batch), output image_embeds [batch,768]
  /usr/bin/python3 bench/python/vit_b16.py --time --threads T --batch B --images N
      -> one JSON line on stdout (PyTorch eager, no_grad, after a warm-up batch; inputs generated in memory)
"""
import argparse
import json
import os
import time

import torch
import torchvision


def build() -> torch.nn.Module:
    torch.manual_seed(0)
    model = torchvision.models.vit_b_16(weights=None)
    model.heads = torch.nn.Identity()  # forward() then returns the final-LayerNorm CLS token, [B,768]
    return model.eval()


def export(out: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    model = build()
    dummy = torch.zeros(2, 3, 224, 224)
    # Grad mode stays on: under no_grad, torch 1.13's nn.MultiheadAttention takes its fused fast path
    # (aten::_native_multi_head_attention), which the ONNX exporter cannot export.
    with torch.enable_grad():
        torch.onnx.export(model, dummy, out, opset_version=17, do_constant_folding=True,
                          input_names=["pixel_values"], output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}})
    # The exporter leaves the embedding width symbolic (shape-derived Gather); pin it to 768.
    import onnx
    m = onnx.load(out)
    m.graph.output[0].type.tensor_type.shape.dim[1].Clear()
    m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 768
    onnx.save(m, out)
    print(f"wrote {out}: {os.path.getsize(out)} bytes", flush=True)


def time_it(n: int, batch: int, threads: int) -> None:
    torch.set_num_threads(threads)
    model = build()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 3, 224, 224, generator=g)
    with torch.no_grad():
        model(x[:batch])  # warm-up with a full batch (as the onnxruntime side does)
        t0 = time.perf_counter()
        done = 0
        while done < n:
            b = min(batch, n - done)
            feats = model(x[:b])
            done += b
        seconds = time.perf_counter() - t0
    ips = n / seconds
    print(json.dumps({"engine": "pytorch-eager", "model": "vit_b_16", "torch": torch.__version__, "images": n,
                      "batch": batch, "threads": threads, "seconds": seconds, "images_per_s": ips,
                      "imagesPerSecond": ips, "features": list(feats.shape)}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export", metavar="PATH", help="write the ONNX model to PATH")
    ap.add_argument("--time", action="store_true", help="time PyTorch inference and print one JSON line")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--images", type=int, default=32)
    args = ap.parse_args()
    if not args.export and not args.time:
        ap.error("nothing to do: pass --export PATH and/or --time")
    if args.export:
        export(args.export)
    if args.time:
        time_it(args.images, args.batch, args.threads)


if __name__ == "__main__":
    main()

"""PyTorch reference for bench/languageModel.ts: the fixture GGUF's weights (f32, read here without the gguf wheel)
in the same llama module the fixture was trained with, on the same threads. Prompt: one forward over the prompt ids;
generation: greedy with a key/value cache, N tokens (end tokens ignored, as the node side does).
argv: gguf path, threads, JSON file {prompt_ids, generate}. Prints one JSON object."""
import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "fixtures"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import train_language_model as T  # noqa: E402


def read_gguf_f32(path):
    b = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, b, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = b[pos:pos + n].decode("utf-8")
        pos += n
        return s

    sizes = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            at, n = take("I"), take("Q")
            return [value(at) for _ in range(n)]
        return take(sizes[t])

    assert b[:4] == b"GGUF"
    pos = 4
    take("I")
    nt, nkv = take("Q"), take("Q")
    meta = {}
    for _ in range(nkv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(nt):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        typ, off = take("I"), take("Q")
        assert typ == 0, "f32 only"
        infos.append((name, dims, off))
    align = meta.get("general.alignment", 32)
    start = (pos + align - 1) // align * align
    out = {}
    for name, dims, off in infos:
        n = int(np.prod(dims))
        out[name] = np.frombuffer(b, dtype=np.float32, count=n, offset=start + off).reshape(list(reversed(dims)))
    return meta, out


def main():
    path, threads, spec = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
    torch.set_num_threads(threads)
    meta, w = read_gguf_f32(path)
    model = T.TinyLlama(len(meta["tokenizer.ggml.tokens"]))
    part = {"attn_norm": "attn_norm", "ffn_norm": "ffn_norm", "attn_q": "q", "attn_k": "k", "attn_v": "v",
            "attn_output": "o", "ffn_gate": "gate", "ffn_up": "up", "ffn_down": "down"}
    sd = {}
    for name, arr in w.items():
        if name.startswith("blk."):
            _, i, p, _ = name.split(".")
            sd[f"blocks.{i}.{part[p]}.weight"] = torch.from_numpy(arr.copy())
        else:
            sd[{"token_embd.weight": "emb.weight", "output_norm.weight": "norm.weight", "output.weight": "out.weight"}[name]] = torch.from_numpy(arr.copy())
    model.load_state_dict(sd)
    model.eval()
    ids = spec["prompt_ids"]
    hd = T.DIM // T.HEADS

    @torch.no_grad()
    def step(tokens, start, cache):
        """Forward of new tokens at positions start.. with a per-layer (k, v) cache; returns last logits."""
        x = model.emb(torch.tensor([tokens]))
        t = len(tokens)
        pos = torch.arange(start, start + t)
        for li, blk in enumerate(model.blocks):
            h = blk.attn_norm(x)
            q, k, v = (m(h).view(1, t, T.HEADS, hd).transpose(1, 2) for m in (blk.q, blk.k, blk.v))
            q, k = T.rope(q, pos), T.rope(k, pos)
            if cache[li] is not None:
                k, v = torch.cat([cache[li][0], k], 2), torch.cat([cache[li][1], v], 2)
            cache[li] = (k, v)
            att = q @ k.transpose(-1, -2) / hd ** 0.5
            if t > 1:
                att = att + torch.full((t, k.shape[2]), float("-inf")).triu(k.shape[2] - t + 1)
            x = x + blk.o((att.softmax(-1) @ v).transpose(1, 2).reshape(1, t, T.DIM))
            h = blk.ffn_norm(x)
            x = x + blk.down(F.silu(blk.gate(h)) * blk.up(h))
        return model.out(model.norm(x[:, -1]))[0]

    step(ids, 0, [None] * T.LAYERS)  # warm-up
    reps, ts = 20, []
    for _ in range(reps):
        t0 = time.perf_counter()
        step(ids, 0, [None] * T.LAYERS)
        ts.append(time.perf_counter() - t0)
    prompt_s = sorted(ts)[reps // 2]
    cache = [None] * T.LAYERS
    logits = step(ids, 0, cache)
    n = spec["generate"]
    t0 = time.perf_counter()
    for i in range(n):
        logits = step([int(logits.argmax())], len(ids) + i, cache)
    gen_s = time.perf_counter() - t0
    print(json.dumps({"threads": threads, "prompt_tokens": len(ids), "prompt_tokens_per_s": len(ids) / prompt_s,
                      "generated": n, "generation_tokens_per_s": n / gen_s, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Export a Hugging Face SigLIP / CLIP model to the folder layout Neuron Workbench reads (encoder.add).

    pip install torch transformers          # on a machine that can download the model once
    python3 scripts/encoders/export_hf_encoder.py google/siglip-base-patch16-224 ~/encoders/siglip-b16
    python3 scripts/encoders/export_hf_encoder.py openai/clip-vit-base-patch32 ~/encoders/clip-b32

Writes (the transformers.js layout):
    <out>/onnx/vision_model.onnx   input  pixel_values [batch, 3, H, W] float32 -> output image_embeds [batch, D]
    <out>/onnx/text_model.onnx     input  input_ids [batch, L] int64 (+ attention_mask for CLIP) -> text_embeds [batch, D]
    <out>/tokenizer.json, tokenizer_config.json, preprocessor_config.json, config.json (from the processor / model)

The embeddings are the model's own projected features (get_image_features / get_text_features), not
normalised: the workbench L2-normalises them and applies its own calibration sigmoid(a * (cos + b)); the
model's logit scale and bias are not used (docs/methods.md "Image-text concepts"). SigLIP's text tower was trained on texts padded to
64 tokens, so its text model is exported with that FIXED length and the workbench pads to it; CLIP's takes
any length with an attention mask. Needs only torch + transformers; runs offline once the model is cached.
"""
import argparse
import os

import torch


class VisionTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.get_image_features(pixel_values=pixel_values)


class TextTower(torch.nn.Module):
    def __init__(self, model, with_mask):
        super().__init__()
        self.model = model
        self.with_mask = with_mask

    def forward(self, input_ids, attention_mask=None):
        if self.with_mask:
            return self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
        return self.model.get_text_features(input_ids=input_ids)


SAMPLE_TEXTS = ["dog", "a red sports car", "Ankle boot", "open-toe sandal!", "T-shirt/top", "zebra stripes, close up"]


def write_and_check_tokenizer(tok, out, kind):
    """tokenizer.json is what the workbench reads. SigLIP ships only a slow SentencePiece tokenizer in many
    transformers versions: convert it, then check that the JSON tokenizer gives exactly the ids the model's own
    tokenizer gives on sample texts (as padded for the model), and stop with the differences if not."""
    path = os.path.join(out, "tokenizer.json")
    if not os.path.exists(path):
        from transformers.convert_slow_tokenizer import convert_slow_tokenizer
        convert_slow_tokenizer(tok).save(path)
    from tokenizers import Tokenizer  # installed with transformers
    fast = Tokenizer.from_file(path)
    bad = []
    for text in SAMPLE_TEXTS:
        want = tok(text, padding="max_length", max_length=64, truncation=True)["input_ids"] if kind == "siglip" else tok(text)["input_ids"]
        got = fast.encode(text).ids
        if kind == "siglip":  # the workbench pads to the fixed length the same way
            got = (got + [tok.pad_token_id] * 64)[:64]
        if got != want:
            bad.append((text, want, got))
    if bad:
        for text, want, got in bad:
            print(f"tokenizer mismatch for {text!r}:\n  model tokenizer {want}\n  tokenizer.json  {got}")
        raise SystemExit(f"{path} does not reproduce the model's tokenizer; the workbench would embed other texts than the model expects. "
                         "Use a tokenizer.json from a converted release of this model (e.g. a transformers.js export) instead.")
    print(f"tokenizer.json reproduces the model's tokenizer on {len(SAMPLE_TEXTS)} sample texts")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="Hugging Face model id or local folder (SiglipModel / CLIPModel)")
    ap.add_argument("out", help="output folder")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()

    from transformers import AutoModel, AutoProcessor  # imported here so --help works without transformers

    model = AutoModel.from_pretrained(args.model).eval()
    processor = AutoProcessor.from_pretrained(args.model)
    kind = model.config.model_type  # 'siglip' or 'clip'
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    processor.save_pretrained(args.out)  # tokenizer_config.json, preprocessor_config.json (+ tokenizer.json if fast)
    model.config.save_pretrained(args.out)  # config.json
    write_and_check_tokenizer(processor.tokenizer, args.out, kind)

    size = model.config.vision_config.image_size
    pixels = torch.zeros(2, 3, size, size)
    with torch.no_grad():
        torch.onnx.export(
            VisionTower(model), (pixels,), os.path.join(args.out, "onnx", "vision_model.onnx"),
            input_names=["pixel_values"], output_names=["image_embeds"],
            dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=args.opset,
        )
        if kind == "siglip":
            length = 64  # SigLIP pads every text to 64 tokens ("max_length" padding)
            ids = torch.ones(2, length, dtype=torch.long)
            torch.onnx.export(
                TextTower(model, False), (ids,), os.path.join(args.out, "onnx", "text_model.onnx"),
                input_names=["input_ids"], output_names=["text_embeds"],
                dynamic_axes={"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}}, opset_version=args.opset,
            )
        else:
            ids = torch.ones(2, 8, dtype=torch.long)
            mask = torch.ones(2, 8, dtype=torch.long)
            torch.onnx.export(
                TextTower(model, True), (ids, mask), os.path.join(args.out, "onnx", "text_model.onnx"),
                input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "text_embeds": {0: "batch"}},
                opset_version=args.opset,
            )
    print(f"wrote {args.out}: add it in the workbench (Concepts -> Add encoder folder) or with\n"
          f"  npm run cli -- encoder.add --project study.nwb --path {args.out}")


if __name__ == "__main__":
    main()

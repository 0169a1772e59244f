#!/usr/bin/env python3
"""Export torchvision classifiers (random weights) to ONNX for the JVP coverage check (scripts/jvp/coverage.ts).

Run with Debian's Python (torch 1.13, torchvision 0.14, onnx 1.12; no internet, so weights=None):

    /usr/bin/python3 scripts/jvp/export_torchvision.py [/tmp/jvp-models]

Writes <out>/<model>_opset<N>.onnx (input 'image' [batch,3,H,W] with a dynamic batch axis, output 'logits')
and <out>/export_report.json (one entry per attempted export: ok or the error). A model that fails to export is
recorded and skipped.
"""
import json
import os
import sys
import time
import traceback

import onnx
import torch
import torchvision

OUT = sys.argv[1] if len(sys.argv) > 1 else '/tmp/jvp-models'

# (model, input size, opsets). opset 13 for one CNN (resnet18), opset 11 for MobileNetV3.
MODELS = [
    ('resnet18', 224, [17, 13]),
    ('mobilenet_v3_small', 224, [17, 11]),
    ('efficientnet_b0', 224, [17]),
    ('convnext_tiny', 224, [17]),
    ('regnet_y_400mf', 224, [17]),
    ('vit_b_16', 224, [17]),
    ('swin_t', 224, [17]),
    ('densenet121', 224, [17]),
    ('squeezenet1_1', 224, [17]),
]


def undegenerate(model: torch.nn.Module) -> None:
    """Random init leaves some models with a constant output (ViT's head is zero-initialised) or with residual branches
    scaled by 1e-6 (ConvNeXt's layer_scale), where every derivative of the logits is 0 or drowned in float32 noise.
    Such parameters get random values of a usual size, so the derivative check has something to measure."""
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if 'layer_scale' in pname:
                p.uniform_(0.5, 1.0)
            elif pname.endswith('weight') and p.dim() == 2 and float(p.abs().max()) == 0.0:
                torch.nn.init.normal_(p, std=p.shape[1] ** -0.5)
            elif p.dim() == 1 and pname.endswith('head.bias') and float(p.abs().max()) == 0.0:
                torch.nn.init.normal_(p, std=0.1)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    report = []
    for name, size, opsets in MODELS:
        try:
            model = getattr(torchvision.models, name)(weights=None).eval()
            undegenerate(model)
        except Exception as err:  # noqa: BLE001
            for opset in opsets:
                report.append({'model': name, 'opset': opset, 'ok': False, 'error': f'build: {err!r}'})
            continue
        x = torch.randn(1, 3, size, size)
        for opset in opsets:
            path = os.path.join(OUT, f'{name}_opset{opset}.onnx')
            t0 = time.time()
            try:
                # Grad stays enabled (parameters require grad): nn.MultiheadAttention then takes its traceable
                # path instead of the fused fast path (torch._native_multi_head_attention has no ONNX export).
                torch.onnx.export(
                    model, (x,), path, opset_version=opset, input_names=['image'], output_names=['logits'],
                    dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True,
                )
                m = onnx.load(path)
                onnx.checker.check_model(m)
                ops = sorted({n.op_type for n in m.graph.node})
                report.append({'model': name, 'opset': opset, 'ok': True, 'path': path, 'size': size,
                               'seconds': round(time.time() - t0, 1), 'nodes': len(m.graph.node), 'ops': ops})
                print(f'{name} opset {opset}: ok ({len(m.graph.node)} nodes, {time.time() - t0:.1f}s)', flush=True)
            except Exception as err:  # noqa: BLE001
                if os.path.exists(path):
                    os.remove(path)
                msg = f'{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ""}'
                report.append({'model': name, 'opset': opset, 'ok': False, 'error': msg,
                               'trace': traceback.format_exc().splitlines()[-6:]})
                print(f'{name} opset {opset}: FAILED {msg}', flush=True)
    with open(os.path.join(OUT, 'export_report.json'), 'w') as f:
        json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()

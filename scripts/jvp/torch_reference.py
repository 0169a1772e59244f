#!/usr/bin/env python3
"""An independent float64 reference for the JVP check of scripts/jvp/coverage.ts.

    /usr/bin/python3 scripts/jvp/torch_reference.py manifest.json

The manifest (written by coverage.ts) names an ONNX tail model, its inputs as raw float32 (or int64) files, the input to
differentiate ('wrt'), a raw float32 tangent and the output. This script interprets the ONNX graph with PyTorch in
float64 (a small interpreter for the ops of the torchvision exports, no onnxruntime involved) and writes
  <out>.jvp.bin  float64 J(x) dx from torch.autograd.functional.jvp (PyTorch's own derivative rules), and
  <out>.fd.bin   float64 central differences (f(x + h dx) - f(x - h dx)) / 2h, h = 1e-6 * rms(x) / rms(dx),
so an error of the ONNX derivative graph can be told apart from finite-difference noise at ReLU/MaxPool kinks
and from float32 rounding (float64 differences at a tiny step cross almost no kink).
"""
import json
import math
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

torch.set_grad_enabled(True)
torch.set_num_threads(2)
F64 = torch.float64
DTYPES = {1: F64, 10: F64, 11: F64, 16: F64, 6: torch.int64, 7: torch.int64, 9: torch.bool, 2: torch.int64, 3: torch.int64}


def tensor(arr):
    t = torch.from_numpy(np.array(arr))
    if t.is_floating_point():
        return t.to(F64)
    if t.dtype == torch.bool:
        return t
    return t.to(torch.int64)


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def pool_pad(x, pads, value):
    """Explicit (possibly asymmetric) pads [b1, b2, ..., e1, e2, ...] on the spatial axes."""
    k = len(pads) // 2
    if not any(pads):
        return x
    torch_pads = []
    for i in reversed(range(k)):
        torch_pads += [pads[i], pads[i + k]]
    return F.pad(x, torch_pads, value=value)


def run_node(n, v):
    a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
    x = [v[i] if i else None for i in n.input]
    op = n.op_type
    if op in ('Identity', 'Dropout'):
        return [x[0]] + ([None] * (len(n.output) - 1))
    if op == 'Add':
        return [x[0] + x[1]]
    if op == 'Sub':
        return [x[0] - x[1]]
    if op == 'Mul':
        return [x[0] * x[1]]
    if op == 'Div':
        if not x[0].is_floating_point() and not x[1].is_floating_point():
            return [torch.div(x[0], x[1], rounding_mode='trunc')]
        return [x[0] / x[1]]
    if op == 'Pow':
        return [torch.pow(x[0], x[1])]
    if op == 'Sqrt':
        return [torch.sqrt(x[0])]
    if op == 'Erf':
        return [torch.erf(x[0])]
    if op == 'Relu':
        return [torch.relu(x[0])]
    if op == 'Sigmoid':
        return [torch.sigmoid(x[0])]
    if op == 'HardSigmoid':
        return [torch.clamp(x[0] * a.get('alpha', 0.2) + a.get('beta', 0.5), 0, 1)]
    if op == 'HardSwish':
        return [x[0] * torch.clamp(x[0] / 6 + 0.5, 0, 1)]
    if op == 'Clip':
        lo = x[1] if len(x) > 1 and x[1] is not None else a.get('min')
        hi = x[2] if len(x) > 2 and x[2] is not None else a.get('max')
        return [torch.clamp(x[0], None if lo is None else float(lo), None if hi is None else float(hi))]
    if op == 'Conv':
        k = len(x[1].shape) - 2
        assert a.get('auto_pad', b'NOTSET') in (b'NOTSET', 'NOTSET'), 'auto_pad'
        pads = list(a.get('pads', [0] * 2 * k))
        xx = pool_pad(x[0], pads, 0.0)
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[k]
        return [conv(xx, x[1], x[2] if len(x) > 2 else None, stride=a.get('strides', [1] * k),
                     dilation=a.get('dilations', [1] * k), groups=a.get('group', 1))]
    if op in ('MaxPool', 'AveragePool'):
        kern = a['kernel_shape']
        k = len(kern)
        pads = list(a.get('pads', [0] * 2 * k))
        strides = a.get('strides', [1] * k)
        ceil = bool(a.get('ceil_mode', 0))
        if op == 'MaxPool':
            assert len(n.output) == 1 or not n.output[1], 'MaxPool indices'
            sym = pads[:k] == pads[k:] and all(p <= kk // 2 for p, kk in zip(pads[:k], kern))
            xx = x[0] if sym else pool_pad(x[0], pads, -math.inf)
            return [F.max_pool2d(xx, kern, strides, pads[:k] if sym else 0, a.get('dilations', [1] * k), ceil)]
        assert pads[:k] == pads[k:], 'asymmetric AveragePool pads'
        return [F.avg_pool2d(x[0], kern, strides, pads[:k], ceil, bool(a.get('count_include_pad', 0)))]
    if op == 'GlobalAveragePool':
        return [x[0].mean(dim=tuple(range(2, x[0].dim())), keepdim=True)]
    if op == 'Flatten':
        ax = a.get('axis', 1) % max(1, x[0].dim()) if a.get('axis', 1) < 0 else a.get('axis', 1)
        return [x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)]
    if op == 'Gemm':
        A = x[0].T if a.get('transA', 0) else x[0]
        B = x[1].T if a.get('transB', 0) else x[1]
        y = a.get('alpha', 1.0) * (A @ B)
        if len(x) > 2 and x[2] is not None:
            y = y + a.get('beta', 1.0) * x[2]
        return [y]
    if op == 'MatMul':
        return [torch.matmul(x[0], x[1])]
    if op == 'Concat':
        return [torch.cat(x, dim=a['axis'])]
    if op == 'BatchNormalization':
        return [F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0, a.get('epsilon', 1e-5))]
    if op == 'LayerNormalization':
        ax = a.get('axis', -1) % x[0].dim()
        dims = tuple(range(ax, x[0].dim()))
        mean = x[0].mean(dim=dims, keepdim=True)
        var = ((x[0] - mean) ** 2).mean(dim=dims, keepdim=True)
        y = (x[0] - mean) / torch.sqrt(var + a.get('epsilon', 1e-5)) * x[1]
        if len(x) > 2 and x[2] is not None:
            y = y + x[2]
        return [y] + [None] * (len(n.output) - 1)
    if op == 'Softmax':
        return [torch.softmax(x[0], dim=a.get('axis', -1))]
    if op == 'Transpose':
        return [x[0].permute(*a.get('perm', list(reversed(range(x[0].dim())))))]
    if op == 'Reshape':
        shape = ints(x[1])
        if not a.get('allowzero', 0):
            shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [x[0].reshape(shape)]
    if op == 'Shape':
        s = list(x[0].shape)
        return [torch.tensor(s[a.get('start', 0):a.get('end', len(s))] if 'end' in a else s[a.get('start', 0):], dtype=torch.int64)]
    if op == 'Gather':
        ax = a.get('axis', 0) % x[0].dim()
        idx = x[1] % x[0].shape[ax]
        out = x[0].index_select(ax, idx.reshape(-1))
        return [out.reshape(list(x[0].shape[:ax]) + list(idx.shape) + list(x[0].shape[ax + 1:]))]
    if op == 'Slice':
        starts, ends = ints(x[1]), ints(x[2])
        axes = ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(len(starts)))
        steps = ints(x[4]) if len(x) > 4 and x[4] is not None else [1] * len(starts)
        y = x[0]
        for s, e, ax, st in zip(starts, ends, axes, steps):
            ax %= y.dim()
            dim = y.shape[ax]
            s, e = (s + dim if s < 0 else s), (e + dim if e < 0 else e)
            if st > 0:
                s, e = max(0, min(dim, s)), max(0, min(dim, e))
            else:  # ONNX: starts clamped to [0, dim-1], ends to [-1, dim-1]
                s, e = max(0, min(dim - 1, s)), max(-1, min(dim - 1, e))
            y = y.index_select(ax, torch.tensor(list(range(s, e, st)), dtype=torch.int64))
        return [y]
    if op == 'Unsqueeze':
        axes = ints(x[1]) if len(x) > 1 else a['axes']
        y = x[0]
        rank = y.dim() + len(axes)
        for ax in sorted(ax % rank for ax in axes):
            y = y.unsqueeze(ax)
        return [y]
    if op == 'Squeeze':
        axes = ints(x[1]) if len(x) > 1 and x[1] is not None else a.get('axes')
        if axes is None:
            return [x[0].squeeze()]
        y = x[0]
        for ax in sorted((ax % y.dim() for ax in axes), reverse=True):
            y = y.squeeze(ax)
        return [y]
    if op == 'Expand':
        shape = torch.broadcast_shapes(tuple(x[0].shape), tuple(ints(x[1])))
        return [x[0].expand(shape)]
    if op == 'Constant':
        return [tensor(numpy_helper.to_array(a['value']))]
    if op == 'ConstantOfShape':
        val = tensor(numpy_helper.to_array(a['value'])) if 'value' in a else torch.zeros(1, dtype=F64)
        return [val.reshape(-1)[0].expand(ints(x[0])).clone() if ints(x[0]) else val.reshape(())]
    if op == 'Cast':
        return [x[0].to(DTYPES[a['to']])]
    if op == 'Equal':
        return [x[0] == x[1]]
    if op == 'Not':
        return [~x[0]]
    if op == 'Where':
        return [torch.where(x[0], x[1], x[2])]
    if op == 'Mod':
        return [torch.fmod(x[0], x[1]) if a.get('fmod', 0) else torch.remainder(x[0], x[1])]
    if op == 'Range':
        return [torch.arange(x[0].item(), x[1].item(), x[2].item(), dtype=x[0].dtype)]
    if op == 'ScatterND':
        assert a.get('reduction', b'none') in (b'none', 'none')
        idx = x[1]
        return [x[0].index_put(tuple(idx[..., k] for k in range(idx.shape[-1])), x[2])]
    if op == 'Pad':
        mode = a.get('mode', b'constant')
        mode = mode.decode() if isinstance(mode, bytes) else mode
        pads = ints(x[1]) if len(x) > 1 else list(a['pads'])
        val = float(x[2]) if len(x) > 2 and x[2] is not None and x[2].numel() else float(a.get('value', 0.0))
        r = x[0].dim()
        axes = ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(r))
        k = len(axes)
        full = [0] * (2 * r)
        for i, ax in enumerate(axes):
            full[ax % r], full[ax % r + r] = pads[i], pads[i + k]
        tp = []
        for i in reversed(range(r)):
            tp += [full[i], full[i + r]]
        return [F.pad(x[0], tp, mode=mode, value=val) if mode == 'constant' else F.pad(x[0], tp, mode=mode)]
    if op == 'ReduceMean':
        axes = ints(x[1]) if len(x) > 1 else a.get('axes')
        return [x[0].mean(dim=tuple(axes), keepdim=bool(a.get('keepdims', 1))) if axes else x[0].mean()]
    raise NotImplementedError(f'op {op}')


def main() -> None:
    man = json.load(open(sys.argv[1]))
    model = onnx.load(man['model'])
    g = model.graph
    consts = {t.name: tensor(numpy_helper.to_array(t)) for t in g.initializer}

    def read(spec):
        if spec.get('dtype', 'float32') == 'int64':
            return torch.from_numpy(np.fromfile(spec['file'], dtype=np.int64).reshape(spec['dims']))
        return torch.from_numpy(np.fromfile(spec['file'], dtype=np.float32).reshape(spec['dims']).astype(np.float64))

    feeds = {i['name']: read(i) for i in man['inputs']}
    wrt = man['wrt']
    dx = read({'file': man['tangent'], 'dims': man['inputs'][[i['name'] for i in man['inputs']].index(wrt)]['dims']})

    def f(xw):
        v = dict(consts)
        v.update(feeds)
        v[wrt] = xw
        for n in g.node:
            outs = run_node(n, v)
            for name, o in zip(n.output, outs):
                if name:
                    v[name] = o
        return v[man['output']]

    x0 = feeds[wrt]
    _, jv = torch.autograd.functional.jvp(f, (x0,), (dx,))
    with torch.no_grad():
        h = 1e-6 * float(x0.pow(2).mean().sqrt()) / float(dx.pow(2).mean().sqrt())
        fd = (f(x0 + h * dx) - f(x0 - h * dx)) / (2 * h)
    jv.detach().numpy().astype(np.float64).tofile(man['out'] + '.jvp.bin')
    fd.detach().numpy().astype(np.float64).tofile(man['out'] + '.fd.bin')


if __name__ == '__main__':
    main()

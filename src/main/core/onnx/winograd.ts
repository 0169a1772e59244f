import { cloneModel, graphOf, onnx, toNum, type ModelProto, type NodeProto, type TensorProto } from './onnxProto';

// Winograd convolution F(m x m, 3 x 3) as a graph rewrite (docs/image-generator.md "Winograd convolutions").
// A 3x3, stride-1 convolution computes each m x m output tile from a (m+2) x (m+2) input tile with
// (m+2)^2 x C x Co multiply-adds instead of 9 m^2 x C x Co: 2.25x fewer for m = 2, 4x for m = 4 (Lavin & Gray 2016).
// onnxruntime's CPU kernels (MLAS) compute convolutions directly, so the rewrite expresses the algorithm with
// ordinary ONNX ops that run at the GEMM's speed:
//   Pad (to whole tiles, from the input's H and W at run time) -> input transform B^T d B as two grouped 1-D convs
//   (rows, then columns, stride m) -> Transpose to [N, t*t, C, tiles] -> one MatMul with the transformed weights
//   U = G g G^T [t*t, Co, C] (t*t GEMMs per image) -> output transform A^T M A as a MatMul -> DepthToSpace ->
//   Slice to H x W -> bias.
// The weights are transformed once, here, in float64. Results equal the direct convolution up to float32 rounding
// (tests: within 2e-5 of the largest output for m = 4; larger m rounds more, its transforms have larger coefficients).
// Memory: U holds (m+2)^2 / 9 times the 3x3 weights (4x for m = 4).

type Mat = number[][];

/** B^T, G, A^T for F(2,3) and F(4,3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). */
const TRANSFORMS: Record<2 | 4, { BT: Mat; G: Mat; AT: Mat }> = {
  2: {
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [0.5, 0.5, 0.5],
      [0.5, -0.5, 0.5],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

export interface WinogradOptions {
  /** Output tile size: 2 = F(2x2,3x3), 4 = F(4x4,3x3). */
  tile: 2 | 4;
  /** Rewrite only convolutions with at least this many input and output channels (small ones gain nothing). */
  minChannels: number;
  /**
   * Take the Winograd path only for inputs of at least this many pixels (H x W), checked at run time by an If
   * whose else-branch is the original convolution; 0 = always. Few tiles make the 4x larger U weights
   * bandwidth-bound (an 8x8 input is 4 tiles: slower than the direct convolution at any channel count).
   */
  minPixels?: number;
}

export interface WinogradResult {
  model: ModelProto;
  /** Names of the Conv nodes rewritten. */
  rewritten: string[];
}

const ints = (v: readonly unknown[] | null | undefined): number[] => (v ?? []).map((x) => toNum(x as number));

function attr(n: NodeProto, name: string): number[] | number | undefined {
  const a = n.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints && a.ints.length ? ints(a.ints) : toNum(a.i as number);
}

/** A plain 3x3 convolution, stride 1, padding 1, no dilation or groups, weights in the file: what the rewrite handles. */
function plain3x3(n: NodeProto, weight: TensorProto | undefined, minChannels: number): boolean {
  if (n.opType !== 'Conv' || (n.domain ?? '') !== '' || !weight || weight.dataType !== onnx.TensorProto.DataType.FLOAT) return false;
  if (weight.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return false;
  const dims = ints(weight.dims);
  if (dims.length !== 4 || dims[2] !== 3 || dims[3] !== 3 || dims[0] < minChannels || dims[1] < minChannels) return false;
  const same = (v: number[] | number | undefined, want: number[]) =>
    v === undefined || (Array.isArray(v) && v.every((x, i) => x === want[i]));
  if (attr(n, 'auto_pad') !== undefined) return false;
  return (
    (attr(n, 'group') ?? 1) === 1 &&
    same(attr(n, 'strides'), [1, 1]) &&
    same(attr(n, 'dilations'), [1, 1]) &&
    Array.isArray(attr(n, 'pads')) &&
    same(attr(n, 'pads'), [1, 1, 1, 1])
  );
}

function floatsOf(t: TensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const raw = t.rawData;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return Float32Array.from(t.floatData ?? []);
}

function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

function int64Tensor(name: string, data: number[]): TensorProto {
  const v = BigInt64Array.from(data.map(BigInt));
  return onnx.TensorProto.create({
    name,
    dims: [data.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(v.buffer),
  });
}

const A = onnx.AttributeProto.AttributeType;
const intAttr = (name: string, i: number) => onnx.AttributeProto.create({ name, type: A.INT, i });
const intsAttr = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
const strAttr = (name: string, s: string) => onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(s) });

/** An If branch: `nodes` computing the float tensor `output`. */
function subgraph(name: string, graphName: string, nodes: NodeProto[], output: string) {
  const graph = onnx.GraphProto.create({
    name: graphName,
    node: nodes,
    output: [{ name: output, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
  });
  return onnx.AttributeProto.create({ name, type: A.GRAPH, g: graph });
}

/** B^T's rows, once per group: group g's output i has the 1-D kernel BT[i, :]. Shape [groups * t, t]. */
function repeatRows(BT: Mat, groups: number): Float32Array {
  const one = Float32Array.from(BT.flat());
  const out = new Float32Array(groups * one.length);
  for (let c = 0; c < groups; c++) out.set(one, c * one.length);
  return out;
}

/** U_k = (G g G^T)[i,j] for k = i*t + j, laid out [t*t, Co, C] for the MatMul. Float64 sums. */
function transformedWeights(G: Mat, w: Float32Array, co: number, ci: number): Float32Array {
  const t = G.length;
  const out = new Float32Array(t * t * co * ci);
  for (let o = 0; o < co; o++)
    for (let c = 0; c < ci; c++) {
      const g = w.subarray((o * ci + c) * 9, (o * ci + c) * 9 + 9);
      for (let i = 0; i < t; i++)
        for (let j = 0; j < t; j++) {
          let s = 0;
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += G[i][a] * g[a * 3 + b] * G[j][b];
          out[((i * t + j) * co + o) * ci + c] = s;
        }
    }
  return out;
}

/** The output transform A^T (x) A as a [m*m, t*t] matrix: row (p*m + q), column (i*t + j) = AT[p,i] * AT[q,j]. */
function outputMatrix(AT: Mat): Float32Array {
  const m = AT.length;
  const t = AT[0].length;
  const out = new Float32Array(m * m * t * t);
  for (let p = 0; p < m; p++)
    for (let q = 0; q < m; q++)
      for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) out[(p * m + q) * t * t + i * t + j] = AT[p][i] * AT[q][j];
  return out;
}

/** Every tensor name `nodes` read, their subgraphs' (If / Loop / Scan bodies, at any depth) included. */
function readsOf(nodes: readonly NodeProto[]): string[] {
  return nodes.flatMap((n) => [
    ...n.input,
    ...(n.attribute ?? []).flatMap((a) =>
      [...(a.g ? [a.g] : []), ...(a.graphs ?? [])].flatMap((sg) => readsOf((sg.node ?? []) as NodeProto[])),
    ),
  ]);
}

/** The model with every plain 3x3 convolution (see plain3x3) computed by Winograd F(m x m, 3 x 3). Input untouched. */
export function winogradConvs(model: ModelProto, opts: WinogradOptions): WinogradResult {
  // Shape's start attribute needs opset 15; older models keep their convolutions.
  const opset = model.opsetImport?.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!opset || toNum(opset.version as number) < 15) return { model, rewritten: [] };
  const copy = cloneModel(model);
  const g = graphOf(copy);
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const { BT, G, AT } = TRANSFORMS[opts.tile];
  const m = opts.tile;
  const t = m + 2;
  const tt = t * t;
  const shared = `winograd_f${m}`;
  const added: TensorProto[] = [
    int64Tensor(`${shared}/padStart`, [0, 0, 1, 1, 0, 0]),
    int64Tensor(`${shared}/m`, [m, m]),
    int64Tensor(`${shared}/ones`, [1, 1]),
    int64Tensor(`${shared}/zeros`, [0, 0]),
    int64Tensor(`${shared}/axes`, [2, 3]),
    floatTensor(`${shared}/AT`, [m * m, tt], outputMatrix(AT)),
  ];
  const nodes: NodeProto[] = [];
  const rewritten: string[] = [];
  const sharedKernels = new Map<number, [string, string]>();
  // Node names need not be unique (nor set): each rewrite's tensors get a prefix no other rewrite has.
  const prefixes = new Set<string>();
  // A weight that is also a graph input can be fed at run time (older exports): baking its transform in would ignore that.
  const fed = new Set(g.input.map((i) => i.name));
  for (const n of g.node) {
    const weight = inits.get(n.input[1]);
    if (fed.has(n.input[1]) || !plain3x3(n, weight, opts.minChannels)) {
      nodes.push(n);
      continue;
    }
    const [co, ci] = ints(weight!.dims);
    const label = n.name || n.output[0];
    let p = `${label}/winograd`;
    for (let k = 2; prefixes.has(p); k++) p = `${label}/winograd${k}`;
    prefixes.add(p);
    const x = n.input[0];
    if (!sharedKernels.has(ci)) {
      const [rows, cols] = [`${shared}/BTrows_${ci}`, `${shared}/BTcols_${ci}`];
      added.push(floatTensor(rows, [ci * t, 1, t, 1], repeatRows(BT, ci)), floatTensor(cols, [ci * tt, 1, 1, t], repeatRows(BT, ci * t)));
      sharedKernels.set(ci, [rows, cols]);
    }
    added.push(
      floatTensor(`${p}/U`, [tt, co, ci], transformedWeights(G, floatsOf(weight!), co, ci)),
      int64Tensor(`${p}/split`, [0, ci, tt, -1]),
      int64Tensor(`${p}/byPos`, [0, tt, -1]),
      int64Tensor(`${p}/tiles`, [0, m * m * co]),
    );
    // With minPixels the Winograd nodes go into the then-branch of an If on H x W, the original Conv into the else.
    const branch = (opts.minPixels ?? 0) > 0;
    const out = branch ? `${p}/out` : n.output[0];
    const wnodes: NodeProto[] = [];
    const outer = new Set([`${p}/HW`, `${p}/pixels`, `${p}/large`]);
    const node = (opType: string, input: string[], output: string, attribute: ReturnType<typeof intAttr>[] = []) =>
      (outer.has(output) ? nodes : wnodes).push(
        onnx.NodeProto.create({ opType, input, output: [output], name: `${p}/${output.split('/').pop()}`, attribute }) as NodeProto,
      );
    // Pad 1 on top/left (the conv's own padding) and 1 + (-H mod m) on bottom/right: exactly ceil(H/m) tiles.
    node('Shape', [x], `${p}/HW`, [intAttr('start', 2)]);
    node('Neg', [`${p}/HW`], `${p}/negHW`);
    node('Mod', [`${p}/negHW`, `${shared}/m`], `${p}/short`);
    node('Add', [`${p}/short`, `${shared}/ones`], `${p}/padEnd`);
    node('Concat', [`${shared}/padStart`, `${p}/padEnd`], `${p}/pads`, [intAttr('axis', 0)]);
    node('Pad', [x, `${p}/pads`], `${p}/padded`);
    // The 2-D input transform B^T d B in two 1-D passes (rows, then columns): 2t instead of t^2 taps per value.
    const [rows, cols] = sharedKernels.get(ci)!;
    node('Conv', [`${p}/padded`, rows], `${p}/Vrows`, [
      intAttr('group', ci),
      intsAttr('kernel_shape', [t, 1]),
      intsAttr('strides', [m, 1]),
    ]);
    node('Conv', [`${p}/Vrows`, cols], `${p}/V`, [intAttr('group', ci * t), intsAttr('kernel_shape', [1, t]), intsAttr('strides', [1, m])]);
    node('Shape', [`${p}/V`], `${p}/tileHW`, [intAttr('start', 2)]);
    node('Reshape', [`${p}/V`, `${p}/split`], `${p}/Vsplit`);
    node('Transpose', [`${p}/Vsplit`], `${p}/Vpos`, [intsAttr('perm', [0, 2, 1, 3])]);
    // [tt, Co, C] x [N, tt, C, T] -> [N, tt, Co, T]: one GEMM per batch row and transform position.
    node('MatMul', [`${p}/U`, `${p}/Vpos`], `${p}/M`);
    node('Reshape', [`${p}/M`, `${p}/byPos`], `${p}/Mpos`);
    node('MatMul', [`${shared}/AT`, `${p}/Mpos`], `${p}/Y`);
    node('Concat', [`${p}/tiles`, `${p}/tileHW`], `${p}/tilesShape`, [intAttr('axis', 0)]);
    node('Reshape', [`${p}/Y`, `${p}/tilesShape`], `${p}/Ytiles`);
    node('DepthToSpace', [`${p}/Ytiles`], `${p}/Yfull`, [intAttr('blocksize', m), strAttr('mode', 'DCR')]);
    const bias = n.input[2];
    const sliced = bias ? `${p}/Ycrop` : out;
    node('Slice', [`${p}/Yfull`, `${shared}/zeros`, `${p}/HW`, `${shared}/axes`], sliced);
    if (bias) {
      added.push(int64Tensor(`${p}/biasShape`, [co, 1, 1]));
      node('Reshape', [bias, `${p}/biasShape`], `${p}/bias3`);
      node('Add', [sliced, `${p}/bias3`], out);
    }
    if (branch) {
      added.push(int64Tensor(`${p}/minPixels`, [opts.minPixels!]));
      node('ReduceProd', [`${p}/HW`], `${p}/pixels`, [intAttr('keepdims', 0)]);
      node('GreaterOrEqual', [`${p}/pixels`, `${p}/minPixels`], `${p}/large`);
      const direct = onnx.NodeProto.create({ ...n, output: [`${p}/direct`] }) as NodeProto;
      nodes.push(
        onnx.NodeProto.create({
          opType: 'If',
          name: `${p}/if`,
          input: [`${p}/large`],
          output: [n.output[0]],
          attribute: [subgraph('then_branch', `${p}/then`, wnodes, out), subgraph('else_branch', `${p}/else`, [direct], `${p}/direct`)],
        }) as NodeProto,
      );
    } else nodes.push(...wnodes);
    rewritten.push(label);
  }
  g.node = nodes;
  // The original 3x3 weights are now unused (unless another node, at any subgraph depth, or a graph output reads
  // them): dropped, they would only take memory.
  const used = new Set([...readsOf(nodes), ...g.output.map((o) => o.name ?? '')]);
  g.initializer = [...g.initializer.filter((t) => used.has(t.name ?? '')), ...added];
  return { model: copy, rewritten };
}

import { cloneModel, graphOf, onnx, toNum, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from './onnxProto';

// Forward-mode differentiation of an ONNX graph, as an ONNX graph (a Jacobian-vector product).
//
// onnxruntime-node has no gradient API, so exact derivatives of a tail sub-graph come from rewriting the graph:
// jvpModel(model, wrt, outputs) returns the same model with one more input, the tangent `dx` of input `wrt`
// (same shape), and one more output per requested output, its directional derivative dy = J(x) dx. Every node
// whose inputs depend on `wrt` is followed by the nodes of its derivative rule, written in ONNX ops; one
// onnxruntime run then gives both y and dy, at about twice the cost of y alone. For the ablation path the
// tangent is "neuron k of every image moves by 1" (replaceNeuron.ts's rule is a shift, so its derivative is
// the neuron's indicator), and dL/dv follows from dy = d logits / dv by the chain rule (tailOracle.ts).
//
// Rules are exact (not numeric); where an op is not differentiable at a point (ReLU at 0, max ties, clip
// bounds) they make the choice PyTorch's autograd makes (ReLU' (0) = 0, clamp passes at its bounds, ties of
// elementwise Max/Min and of reductions share the derivative evenly). An op with no rule on the differentiated
// path throws NoDerivativeRule naming it, so callers can fall back (and say so) rather than be wrong.

export class NoDerivativeRule extends Error {
  constructor(
    readonly op: string,
    readonly node: string,
    why = 'no derivative rule for this operator',
  ) {
    super(`op '${op}'${node ? ` (node '${node}')` : ''}: ${why}`);
  }
}

export interface JvpModel {
  model: ModelProto;
  /** The added input: the tangent of `wrt`, same type and shape. */
  tangentInput: string;
  /** Per requested output (same order): the graph output holding its tangent. */
  tangentOutputs: string[];
}

const ATTR = onnx.AttributeProto.AttributeType;
const FLOAT_TYPES = new Set([1, 10, 11, 16]); // float32, float16, float64, bfloat16

/** Ops whose outputs carry no derivative (shapes, comparisons, integer results, piecewise-constant values). */
const NO_TANGENT = new Set([
  'Shape',
  'Size',
  'Equal',
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'IsNaN',
  'IsInf',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
]);

/** Ops linear in their first input when the others (shapes, indices, axes, pads) are fixed: same op on the tangent. */
const LINEAR_IN_FIRST = new Set([
  'Identity',
  'Reshape',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Transpose',
  'Slice',
  'Gather',
  'GatherElements',
  'GatherND',
  'Expand',
  'Tile',
  'DepthToSpace',
  'SpaceToDepth',
  'Neg',
  'ReduceMean',
  'ReduceSum',
  'GlobalAveragePool',
  'AveragePool',
  'Resize',
  'Upsample',
  'Split',
  'CumSum',
]);

type Attr = AttributeProto;
const int = (name: string, i: number): Attr => ({ name, type: ATTR.INT, i });
const ints = (name: string, v: number[]): Attr => ({ name, type: ATTR.INTS, ints: v });
const float = (name: string, f: number): Attr => ({ name, type: ATTR.FLOAT, f });

function attr(n: NodeProto, name: string): Attr | undefined {
  return n.attribute?.find((a) => a.name === name);
}
function attrInt(n: NodeProto, name: string, dflt: number): number {
  const a = attr(n, name);
  return a ? toNum(a.i as number) : dflt;
}
function attrFloat(n: NodeProto, name: string, dflt: number): number {
  const a = attr(n, name);
  return a ? (a.f ?? dflt) : dflt;
}
function attrString(n: NodeProto, name: string, dflt: string): string {
  const a = attr(n, name);
  return a?.s ? new TextDecoder().decode(a.s) : dflt;
}

/** Emits the derivative nodes (and their constants) with names that cannot clash with the model's. */
class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private count = 0;
  private readonly scalars = new Map<string, string>();

  constructor(
    /** Float type of the tangents of the node being differentiated (a Cast can change it mid-graph). */
    public elemType: number,
    readonly opset: number,
  ) {}

  fresh(hint: string): string {
    return `jvp::${hint}::${this.count++}`;
  }

  /** One node; returns its outputs (fresh names unless given). */
  op(opType: string, input: string[], attribute: Attr[] = [], outputs = 1): string[] {
    const output = Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push({ name: this.fresh(`${opType}_node`), opType, input, output, attribute } as NodeProto);
    return output;
  }

  one(opType: string, input: string[], attribute: Attr[] = []): string {
    return this.op(opType, input, attribute)[0];
  }

  /** A rank-0 constant of the differentiated element type. */
  scalar(v: number): string {
    const key = `${this.elemType}:${v}`;
    const have = this.scalars.get(key);
    if (have) return have;
    const name = this.fresh('const');
    this.inits.push(
      this.elemType === 11 ? { name, dataType: 11, dims: [], doubleData: [v] } : { name, dataType: 1, dims: [], floatData: [v] },
    );
    if (this.elemType !== 1 && this.elemType !== 11) {
      // float16/bfloat16 graphs: cast the float32 constant once.
      const cast = this.one('Cast', [name], [int('to', this.elemType)]);
      this.scalars.set(key, cast);
      return cast;
    }
    this.scalars.set(key, name);
    return name;
  }

  int64s(v: number[]): string {
    const name = this.fresh('ints');
    this.inits.push({ name, dataType: 7, dims: [v.length], int64Data: v });
    return name;
  }

  zerosLike(x: string): string {
    const value: TensorProto =
      this.elemType === 11 ? { dataType: 11, dims: [1], doubleData: [0] } : { dataType: 1, dims: [1], floatData: [0] };
    const z = this.one('ConstantOfShape', [this.one('Shape', [x])], [{ name: 'value', type: ATTR.TENSOR, t: value }]);
    return this.elemType === 1 || this.elemType === 11 ? z : this.one('Cast', [z], [int('to', this.elemType)]);
  }

  /** Broadcast t to the shape of y (for a sum whose other terms had no tangent). */
  expandTo(t: string, y: string): string {
    return this.one('Expand', [t, this.one('Shape', [y])]);
  }

  mul(a: string, b: string): string {
    return this.one('Mul', [a, b]);
  }
  add(a: string, b: string): string {
    return this.one('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.one('Sub', [a, b]);
  }
  where(cond: string, a: string, b: string): string {
    return this.one('Where', [cond, a, b]);
  }
  castToElem(x: string): string {
    return this.one('Cast', [x], [int('to', this.elemType)]);
  }

  /** a >= b, a <= b, a == b on floats: GreaterOrEqual/LessOrEqual exist from opset 12, float Equal from 11. */
  compare(op: 'GreaterOrEqual' | 'LessOrEqual' | 'Equal', a: string, b: string): string {
    if (op === 'Equal')
      return this.opset >= 11
        ? this.one('Equal', [a, b])
        : this.one('Not', [this.one('Or', [this.one('Less', [a, b]), this.one('Greater', [a, b])])]);
    if (this.opset >= 12) return this.one(op, [a, b]);
    return this.one('Not', [this.one(op === 'GreaterOrEqual' ? 'Less' : 'Greater', [a, b])]);
  }

  /** ReduceSum / ReduceMean over `axes` in the form this opset wants (axes an input from 13 / 18 on). */
  reduce(op: 'ReduceSum' | 'ReduceMean', x: string, axes: number[], keepdims: number): string {
    const asInput = op === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    return asInput
      ? this.one(op, [x, this.int64s(axes)], [int('keepdims', keepdims)])
      : this.one(op, [x], [ints('axes', axes), int('keepdims', keepdims)]);
  }
}

/** Whether this model input/graph tensor is something the tangent can be declared for. */
function elemTypeOf(model: ModelProto, name: string): number {
  const g = graphOf(model);
  const vi = g.input.find((v) => v.name === name) ?? g.valueInfo.find((v) => v.name === name);
  return vi?.type?.tensorType?.elemType ?? 1;
}

function mainOpset(model: ModelProto): number {
  const o = model.opsetImport?.find((x) => !x.domain || x.domain === 'ai.onnx');
  return o ? toNum(o.version as number) : 13;
}

type Tangent = (i: number) => string | null;
/** A rule: the tangents of the node's outputs (null = no derivative), given its inputs' tangents. May add outputs to `n`. */
type Rule = (n: NodeProto, t: Tangent, e: Emitter) => (string | null)[];

function refuse(n: NodeProto, why: string): never {
  throw new NoDerivativeRule(n.opType ?? '?', n.name ?? '', why);
}

/** Only input 0 may carry a tangent (weights, shapes, axes must not depend on the differentiated input). */
function onlyFirst(n: NodeProto, t: Tangent, what = 'its other inputs'): string {
  for (let i = 1; i < n.input.length; i++) if (n.input[i] && t(i)) refuse(n, `${what} depend on the differentiated tensor`);
  return t(0)!;
}

/** Tangent of input i, or zeros of its shape. */
function orZeros(n: NodeProto, t: Tangent, e: Emitter, i: number): string {
  return t(i) ?? e.zerosLike(n.input[i]);
}

function isScalarConstant(name: string, consts: Map<string, TensorProto>): boolean {
  const c = consts.get(name);
  return !!c && (c.dims ?? []).length === 0;
}

/** y = a + s * b (s = +1 Add, -1 Sub), broadcasting. */
function addRule(sign: 1 | -1, consts: Map<string, TensorProto>): Rule {
  return (n, t, e) => {
    const [a, b] = [t(0), t(1)];
    const y = n.output[0];
    if (a && b) return [e.one(sign > 0 ? 'Add' : 'Sub', [a, b])];
    const only = a ?? (sign > 0 ? b! : e.one('Neg', [b!]));
    // The other operand might broadcast the tangent up (e.g. [1,D] + [N,D]); a rank-0 constant never does.
    return [isScalarConstant(n.input[a ? 1 : 0], consts) ? only : e.expandTo(only, y)];
  };
}

function rules(consts: Map<string, TensorProto>): Record<string, Rule> {
  const unary =
    (f: (n: NodeProto, x: string, y: string, e: Emitter) => string): Rule =>
    (n, t, e) => [e.mul(onlyFirst(n, t), f(n, n.input[0], n.output[0], e))];
  return {
    Add: addRule(1, consts),
    Sub: addRule(-1, consts),
    Mul: (n, t, e) => {
      const [a, b] = n.input;
      const ta = t(0);
      const tb = t(1);
      const terms = [ta && e.mul(ta, b), tb && e.mul(a, tb)].filter((x): x is string => !!x);
      return [terms.length === 2 ? e.add(terms[0], terms[1]) : terms[0]];
    },
    Div: (n, t, e) => {
      const [, b] = n.input;
      const y = n.output[0];
      const ta = t(0);
      const tb = t(1);
      // d(a/b) = (da - y db) / b
      const num = ta && tb ? e.sub(ta, e.mul(y, tb)) : (ta ?? e.one('Neg', [e.mul(y, tb!)]));
      return [e.one('Div', [num, b])];
    },
    Pow: (n, t, e) => {
      if (t(1)) refuse(n, 'the exponent depends on the differentiated tensor');
      const [x, p] = n.input;
      const pf = e.castToElem(p);
      return [e.mul(t(0)!, e.mul(pf, e.one('Pow', [x, e.sub(pf, e.scalar(1))])))];
    },
    Sqrt: unary((_n, _x, y, e) => e.one('Reciprocal', [e.mul(y, e.scalar(2))])),
    Reciprocal: unary((_n, _x, y, e) => e.one('Neg', [e.mul(y, y)])),
    Exp: unary((_n, _x, y) => y),
    Log: unary((_n, x, _y, e) => e.one('Reciprocal', [x])),
    Abs: unary((_n, x, _y, e) => e.one('Sign', [x])),
    Tanh: unary((_n, _x, y, e) => e.sub(e.scalar(1), e.mul(y, y))),
    Sigmoid: unary((_n, _x, y, e) => e.mul(y, e.sub(e.scalar(1), y))),
    Softplus: unary((_n, x, _y, e) => e.one('Sigmoid', [x])),
    Erf: unary((_n, x, _y, e) => e.mul(e.scalar(2 / Math.sqrt(Math.PI)), e.one('Exp', [e.one('Neg', [e.mul(x, x)])]))),
    Gelu: unary((n, x, _y, e) => {
      const approx = attrString(n, 'approximate', 'none');
      if (approx === 'tanh') {
        // y = x/2 (1 + tanh u), u = c (x + 0.044715 x^3): y' = (1 + th)/2 + x/2 (1 - th^2) c (1 + 3 * 0.044715 x^2)
        const c = Math.sqrt(2 / Math.PI);
        const x2 = e.mul(x, x);
        const th = e.one('Tanh', [e.mul(e.scalar(c), e.add(x, e.mul(e.scalar(0.044715), e.mul(x2, x))))]);
        const left = e.mul(e.scalar(0.5), e.add(e.scalar(1), th));
        const du = e.mul(e.scalar(c), e.add(e.scalar(1), e.mul(e.scalar(3 * 0.044715), x2)));
        return e.add(left, e.mul(e.mul(e.scalar(0.5), x), e.mul(e.sub(e.scalar(1), e.mul(th, th)), du)));
      }
      if (approx !== 'none') refuse(n, `approximate='${approx}' is not 'none' or 'tanh'`);
      // y = x Phi(x): y' = Phi(x) + x phi(x)
      const cdf = e.mul(e.scalar(0.5), e.add(e.scalar(1), e.one('Erf', [e.mul(x, e.scalar(Math.SQRT1_2))])));
      const pdf = e.mul(e.scalar(1 / Math.sqrt(2 * Math.PI)), e.one('Exp', [e.mul(e.scalar(-0.5), e.mul(x, x))]));
      return e.add(cdf, e.mul(x, pdf));
    }),
    Relu: (n, t, e) => [e.where(e.one('Greater', [n.input[0], e.scalar(0)]), onlyFirst(n, t), e.scalar(0))],
    LeakyRelu: (n, t, e) => {
      const tx = onlyFirst(n, t);
      return [e.where(e.one('Greater', [n.input[0], e.scalar(0)]), tx, e.mul(tx, e.scalar(attrFloat(n, 'alpha', 0.01))))];
    },
    Elu: (n, t, e) => {
      const tx = onlyFirst(n, t);
      const alpha = attrFloat(n, 'alpha', 1);
      // x <= 0: y = alpha (e^x - 1), y' = y + alpha
      return [e.where(e.one('Greater', [n.input[0], e.scalar(0)]), tx, e.mul(tx, e.add(n.output[0], e.scalar(alpha))))];
    },
    HardSigmoid: (n, t, e) => {
      const tx = onlyFirst(n, t);
      const alpha = attrFloat(n, 'alpha', 0.2);
      const u = e.add(e.mul(n.input[0], e.scalar(alpha)), e.scalar(attrFloat(n, 'beta', 0.5)));
      const inside = e.one('And', [e.one('Greater', [u, e.scalar(0)]), e.one('Less', [u, e.scalar(1)])]);
      return [e.where(inside, e.mul(tx, e.scalar(alpha)), e.scalar(0))];
    },
    HardSwish: (n, t, e) => {
      // y = x hs(x), hs = clip(x/6 + 1/2, 0, 1): y' = hs(x) + x/6 on -3 < x < 3
      const x = n.input[0];
      const tx = onlyFirst(n, t);
      const hs = e.one('HardSigmoid', [x], [float('alpha', 1 / 6), float('beta', 0.5)]);
      const inside = e.one('And', [e.one('Greater', [x, e.scalar(-3)]), e.one('Less', [x, e.scalar(3)])]);
      return [e.mul(tx, e.add(hs, e.where(inside, e.mul(x, e.scalar(1 / 6)), e.scalar(0))))];
    },
    Clip: (n, t, e) => {
      const x = n.input[0];
      const tx = onlyFirst(n, t, 'its bounds');
      // PyTorch's clamp backward passes the gradient where min <= x <= max.
      const lo = e.opset >= 11 ? n.input[1] || null : attr(n, 'min') ? e.scalar(attrFloat(n, 'min', 0)) : null;
      const hi = e.opset >= 11 ? n.input[2] || null : attr(n, 'max') ? e.scalar(attrFloat(n, 'max', 0)) : null;
      const conds = [lo && e.compare('GreaterOrEqual', x, lo), hi && e.compare('LessOrEqual', x, hi)].filter((c): c is string => !!c);
      if (!conds.length) return [tx];
      const cond = conds.length === 2 ? e.one('And', conds) : conds[0];
      return [e.where(cond, tx, e.scalar(0))];
    },
    Max: (n, t, e) => minMax(n, t, e, 'Greater'),
    Min: (n, t, e) => minMax(n, t, e, 'Less'),
    Sum: (n, t, e) => {
      const ts = n.input.map((_, i) => t(i)).filter((x): x is string => !!x);
      return [e.expandTo(ts.length === 1 ? ts[0] : e.one('Sum', ts), n.output[0])];
    },
    Mean: (n, t, e) => {
      const ts = n.input.map((_, i) => t(i)).filter((x): x is string => !!x);
      return [e.expandTo(e.mul(ts.length === 1 ? ts[0] : e.one('Sum', ts), e.scalar(1 / n.input.length)), n.output[0])];
    },
    Where: (n, t, e) => {
      if (t(0)) refuse(n, 'the condition depends on the differentiated tensor');
      return [e.where(n.input[0], orZeros(n, t, e, 1), orZeros(n, t, e, 2))];
    },
    Concat: (n, t, e) => [
      e.one(
        'Concat',
        n.input.map((_, i) => orZeros(n, t, e, i)),
        [int('axis', attrInt(n, 'axis', 0))],
      ),
    ],
    Einsum: (n, t, e) => {
      const eq = attr(n, 'equation')!;
      const terms = n.input.flatMap((_, i) =>
        t(i)
          ? [
              e.one(
                'Einsum',
                n.input.map((x, j) => (j === i ? t(i)! : x)),
                [eq],
              ),
            ]
          : [],
      );
      return [terms.reduce((a, b) => e.add(a, b))];
    },
    MatMul: (n, t, e) => {
      const [a, b] = n.input;
      const terms = [t(0) && e.one('MatMul', [t(0)!, b]), t(1) && e.one('MatMul', [a, t(1)!])].filter((x): x is string => !!x);
      return [terms.length === 2 ? e.add(terms[0], terms[1]) : terms[0]];
    },
    Gemm: (n, t, e) => {
      const [a, b, c] = n.input;
      const keep = ['alpha', 'transA', 'transB'].map((k) => attr(n, k)).filter((x): x is Attr => !!x);
      // C is optional from opset 11; before, a zero scalar (beta defaults to 1).
      const noC = e.opset >= 11 ? [] : [e.scalar(0)];
      const terms = [t(0) && e.one('Gemm', [t(0)!, b, ...noC], keep), t(1) && e.one('Gemm', [a, t(1)!, ...noC], keep)].filter(
        (x): x is string => !!x,
      );
      if (c && t(2)) terms.push(e.expandTo(e.mul(t(2)!, e.scalar(attrFloat(n, 'beta', 1))), n.output[0]));
      return [terms.reduce((x, y) => e.add(x, y))];
    },
    Conv: (n, t, e) => [e.one('Conv', [onlyFirst(n, t, 'its weights or bias'), n.input[1]], n.attribute ?? [])],
    ConvTranspose: (n, t, e) => [e.one('ConvTranspose', [onlyFirst(n, t, 'its weights or bias'), n.input[1]], n.attribute ?? [])],
    BatchNormalization: (n, t, e) => {
      if (attrInt(n, 'training_mode', 0) || n.output.slice(1).some((o) => o))
        refuse(n, 'training-mode batch norm (running statistics as outputs)');
      const tx = onlyFirst(n, t, 'its statistics');
      const [, scale, bias, mean, variance] = n.input;
      // Inference BN is affine in x: the same op with zero bias and zero mean gives scale * dx / sqrt(var + eps).
      const eps = attr(n, 'epsilon');
      return [e.one('BatchNormalization', [tx, scale, e.zerosLike(bias), e.zerosLike(mean), variance], eps ? [eps] : [])];
    },
    LayerNormalization: (n, t, e) => {
      const tx = onlyFirst(n, t, 'its scale or bias');
      const axis = attrInt(n, 'axis', -1);
      // Expose the op's own Mean and InvStdDev outputs (stash type float32) instead of recomputing them.
      const had = [1, 2].map((i) => !!n.output[i]);
      while (n.output.length < 3) n.output.push('');
      if (!n.output[1]) n.output[1] = e.fresh('ln_mean');
      if (!n.output[2]) n.output[2] = e.fresh('ln_invstd');
      const stash = (s: string) => (e.elemType === attrInt(n, 'stash_type', 1) ? s : e.castToElem(s));
      const [x] = n.input;
      const invstd = stash(n.output[2]);
      const xhat = e.mul(e.sub(x, stash(n.output[1])), invstd);
      // d xhat = invstd (dx - mean(dx) - xhat mean(xhat dx)), means over the normalised axes [axis, rank): done
      // on the 2-D Flatten(axis) view, which needs no rank.
      const t2 = e.one('Flatten', [tx], [int('axis', axis)]);
      const h2 = e.one('Flatten', [xhat], [int('axis', axis)]);
      const mt = e.reduce('ReduceMean', t2, [1], 1);
      const mht = e.reduce('ReduceMean', e.mul(h2, t2), [1], 1);
      const d = e.one('Reshape', [e.sub(e.sub(t2, mt), e.mul(h2, mht)), e.one('Shape', [x])]);
      // If the model itself has Mean / InvStdDev, their tangents: d mean = mean(dx), d invstd = -invstd^2 mean(xhat dx).
      const unstash = (v: string) =>
        e.elemType === attrInt(n, 'stash_type', 1) ? v : e.one('Cast', [v], [int('to', attrInt(n, 'stash_type', 1))]);
      const asStat = (v: string, i: number) => e.one('Reshape', [v, e.one('Shape', [n.output[i]])]);
      const dMean = had[0] ? unstash(asStat(mt, 1)) : null;
      const dInvstd = had[1] ? unstash(e.one('Neg', [e.mul(e.mul(invstd, invstd), asStat(mht, 2))])) : null;
      return [e.mul(e.mul(d, invstd), n.input[1]), dMean, dInvstd];
    },
    Softmax: (n, t, e) => softmaxRule(n, t, e, false),
    LogSoftmax: (n, t, e) => softmaxRule(n, t, e, true),
    ReduceL2: (n, t, e) => {
      // y = sqrt(sum x^2): dy = sum(x dx) / y (0 where y = 0, as PyTorch's norm backward)
      const tx = onlyFirst(n, t);
      const y = n.output[0];
      return [e.where(e.compare('Equal', y, e.scalar(0)), e.scalar(0), e.one('Div', [sumLike(n, e, e.mul(n.input[0], tx)), y]))];
    },
    ReduceSumSquare: (n, t, e) => [e.mul(e.scalar(2), sumLike(n, e, e.mul(n.input[0], onlyFirst(n, t))))],
    InstanceNormalization: (n, t, e) => {
      // Per (image, channel) over the spatial axes, on the [N, C, L] view (Reshape [0, 0, -1] needs no rank):
      // d xhat = invstd (dx - mean(dx) - xhat mean(xhat dx)), dy = scale d xhat.
      const tx = onlyFirst(n, t, 'its scale or bias');
      const [x, scale] = n.input;
      const view = e.int64s([0, 0, -1]);
      const x3 = e.one('Reshape', [x, view]);
      const t3 = e.one('Reshape', [tx, view]);
      const mean = (v: string) => e.reduce('ReduceMean', v, [2], 1);
      const xc = e.sub(x3, mean(x3));
      const invstd = e.one('Reciprocal', [e.one('Sqrt', [e.add(mean(e.mul(xc, xc)), e.scalar(attrFloat(n, 'epsilon', 1e-5)))])]);
      const xhat = e.mul(xc, invstd);
      const d3 = e.mul(invstd, e.sub(e.sub(t3, mean(t3)), e.mul(xhat, mean(e.mul(xhat, t3)))));
      return [e.one('Reshape', [e.mul(d3, e.one('Reshape', [scale, e.int64s([-1, 1])])), e.one('Shape', [x])])];
    },
    ScatterND: (n, t, e) => scatterRule(n, t, e),
    ScatterElements: (n, t, e) => scatterRule(n, t, e),
    ReduceMax: (n, t, e) => reduceExtremum(n, t, e),
    ReduceMin: (n, t, e) => reduceExtremum(n, t, e),
    GlobalMaxPool: (n, t, e) => {
      const tx = onlyFirst(n, t);
      const mask = e.castToElem(e.compare('Equal', n.input[0], n.output[0]));
      // Ties share the derivative equally (ratio of spatial means = ratio of sums).
      return [e.one('Div', [e.one('GlobalAveragePool', [e.mul(tx, mask)]), e.one('GlobalAveragePool', [mask])])];
    },
    MaxPool: (n, t, e) => {
      const tx = onlyFirst(n, t);
      if (attrInt(n, 'storage_order', 0) !== 0) refuse(n, 'storage_order = 1');
      // The Indices output flattens the whole input (batch and channel included): gather dx there.
      if (!n.output[1]) {
        while (n.output.length < 2) n.output.push('');
        n.output[1] = e.fresh('maxpool_indices');
      }
      return [e.one('Gather', [e.one('Reshape', [tx, e.int64s([-1])]), n.output[1]], [int('axis', 0)])];
    },
    Pad: (n, t, e) => {
      const tx = onlyFirst(n, t);
      const mode = attrString(n, 'mode', 'constant');
      if (mode !== 'constant') return [e.one('Pad', [tx, ...n.input.slice(1)], n.attribute ?? [])];
      // The padding value is a constant: its derivative pads with zeros.
      const attrs = (n.attribute ?? []).filter((a) => a.name !== 'value');
      const inputs = [tx, ...n.input.slice(1)];
      if (inputs.length > 2) inputs[2] = '';
      return [e.one('Pad', inputs, attrs)];
    },
    Dropout: (n, t, e) => [e.one('Identity', [onlyFirst(n, t, 'its ratio')]), null],
    Cast: (n, t, e) => (FLOAT_TYPES.has(attrInt(n, 'to', 1)) ? [e.one('Cast', [t(0)!], n.attribute ?? [])] : [null]),
  };
}

/** Scatter (no reduction) is linear in (data, updates) jointly: the same scatter of their tangents. */
function scatterRule(n: NodeProto, t: Tangent, e: Emitter): string[] {
  const reduction = attrString(n, 'reduction', 'none');
  if (reduction !== 'none') refuse(n, `reduction='${reduction}'`);
  return [e.one(n.opType!, [orZeros(n, t, e, 0), n.input[1], orZeros(n, t, e, 2)], n.attribute ?? [])];
}

/** Max / Min of two inputs: the derivative of the larger (smaller); a tie splits it evenly, as torch.maximum does. */
function minMax(n: NodeProto, t: Tangent, e: Emitter, wins: 'Greater' | 'Less'): string[] {
  if (n.input.length === 1) return [t(0)!];
  if (n.input.length !== 2) refuse(n, 'more than two inputs');
  const [a, b] = n.input;
  const [ta, tb] = [orZeros(n, t, e, 0), orZeros(n, t, e, 1)];
  const half = e.mul(e.add(ta, tb), e.scalar(0.5));
  return [e.where(e.compare('Equal', a, b), half, e.where(e.one(wins, [a, b]), ta, tb))];
}

/** dy = y (dx - sum(y dx)) for Softmax, dx - sum(softmax dx) for LogSoftmax, over the op's axis. */
function softmaxRule(n: NodeProto, t: Tangent, e: Emitter, log: boolean): string[] {
  const tx = onlyFirst(n, t);
  const y = n.output[0];
  const p = log ? e.one('Exp', [y]) : y;
  const finish = (pp: string, tt: string, sum: string) => (log ? e.sub(tt, sum) : e.mul(pp, e.sub(tt, sum)));
  if (e.opset >= 13) {
    const axis = attrInt(n, 'axis', -1);
    return [finish(p, tx, e.reduce('ReduceSum', e.mul(p, tx), [axis], 1))];
  }
  // Before opset 13 the op works on the 2-D view [prod(dims < axis), prod(dims >= axis)].
  const axis = attrInt(n, 'axis', 1);
  const p2 = e.one('Flatten', [p], [int('axis', axis)]);
  const t2 = e.one('Flatten', [tx], [int('axis', axis)]);
  return [e.one('Reshape', [finish(p2, t2, e.reduce('ReduceSum', e.mul(p2, t2), [1], 1)), e.one('Shape', [y])])];
}

/** ReduceMax / ReduceMin: the derivative flows to the arg-extremum (ties share it equally). */
function reduceExtremum(n: NodeProto, t: Tangent, e: Emitter): string[] {
  const tx = onlyFirst(n, t);
  const x = n.input[0];
  const keepdims = attrInt(n, 'keepdims', 1);
  if (attrInt(n, 'noop_with_empty_axes', 0) && !attr(n, 'axes') && !n.input[1]) return [tx];
  // The extremum with kept dims, to compare against x.
  const yk = keepdims
    ? n.output[0]
    : e.one(n.opType!, n.input, [...(n.attribute ?? []).filter((a) => a.name !== 'keepdims'), int('keepdims', 1)]);
  const mask = e.castToElem(e.compare('Equal', x, yk));
  return [e.one('Div', [sumLike(n, e, e.mul(tx, mask)), sumLike(n, e, mask)])];
}

/** ReduceSum of v over the axes of reduction node n (attribute or input), with n's keepdims, in this opset's form. */
function sumLike(n: NodeProto, e: Emitter, v: string): string {
  const axesAttr = attr(n, 'axes')?.ints?.map((a: number | { toNumber(): number }) => toNum(a));
  const axesInput = n.input[1] || undefined;
  const attrs: Attr[] = [int('keepdims', attrInt(n, 'keepdims', 1))];
  if (e.opset >= 13) {
    const axes = axesInput ?? (axesAttr ? e.int64s(axesAttr) : '');
    return e.one('ReduceSum', axes ? [v, axes] : [v], attrs);
  }
  return e.one('ReduceSum', [v], axesAttr ? [...attrs, ints('axes', axesAttr)] : attrs);
}

/**
 * The forward-mode derivative graph of `model` with respect to its input `wrt`, for `outputs` (see the top of
 * this file). Throws NoDerivativeRule when a node between `wrt` and the outputs has no rule.
 */
export function jvpModel(model: ModelProto, wrt: string, outputs: readonly string[]): JvpModel {
  const copy = cloneModel(model);
  const g = graphOf(copy);
  const wrtInfo = g.input.find((v) => v.name === wrt);
  if (!wrtInfo) throw new Error(`jvpModel: '${wrt}' is not a graph input`);
  const elemType = elemTypeOf(copy, wrt);
  if (!FLOAT_TYPES.has(elemType)) throw new Error(`jvpModel: input '${wrt}' is not a floating-point tensor`);
  const e = new Emitter(elemType, mainOpset(copy));
  const consts = new Map<string, TensorProto>(g.initializer.map((x) => [x.name ?? '', x]));
  for (const n of g.node) if (n.opType === 'Constant' && attr(n, 'value')?.t) consts.set(n.output[0], attr(n, 'value')!.t!);
  const table = rules(consts);

  const tangentInput = `${wrt}::tangent`;
  const tangent = new Map<string, string>([[wrt, tangentInput]]);
  /** Element type of each tangent (= its primal's): constants a rule emits must match it. */
  const tangentType = new Map<string, number>([[wrt, elemType]]);
  const nodes: NodeProto[] = [];
  for (const n of g.node) {
    nodes.push(n);
    if (!n.input.some((i) => i && tangent.has(i))) continue;
    const op = n.opType ?? '';
    if (n.domain && n.domain !== 'ai.onnx') refuse(n, `operator domain '${n.domain}'`);
    if (NO_TANGENT.has(op)) continue;
    // Where, ConstantOfShape, Sign and Erf, which the rules emit, start at opset 9.
    if (e.opset < 9) refuse(n, `derivative rules need opset 9 or later (the model imports opset ${e.opset})`);
    const t: Tangent = (i) => (n.input[i] ? (tangent.get(n.input[i]) ?? null) : null);
    e.elemType = tangentType.get(n.input.find((i) => i && tangent.has(i))!) ?? elemType;
    // Cast changes the type; LayerNormalization's Mean / InvStdDev are in its stash type.
    const outType = (j: number): number =>
      op === 'Cast' ? attrInt(n, 'to', 1) : op === 'LayerNormalization' && j > 0 ? attrInt(n, 'stash_type', 1) : e.elemType;
    const start = e.nodes.length;
    let outs: (string | null)[];
    if (LINEAR_IN_FIRST.has(op)) {
      const tx = onlyFirst(n, t);
      const outNames = n.output.map(() => e.fresh(op));
      e.nodes.push({
        name: e.fresh(`${op}_node`),
        opType: op,
        input: [tx, ...n.input.slice(1)],
        output: outNames,
        attribute: n.attribute ?? [],
      } as NodeProto);
      outs = outNames;
    } else {
      const rule = table[op];
      if (!rule) refuse(n, 'no derivative rule for this operator');
      outs = rule(n, t, e);
    }
    nodes.push(...e.nodes.slice(start));
    outs.forEach((o, j) => {
      if (!o || !n.output[j]) return;
      tangent.set(n.output[j], o);
      tangentType.set(n.output[j], outType(j));
    });
  }
  e.elemType = elemType;

  const tangentOutputs = outputs.map((o) => {
    const have = tangent.get(o);
    if (have) return have;
    // An output that does not depend on `wrt`: its derivative is zero.
    const start = e.nodes.length;
    const z = e.zerosLike(o);
    nodes.push(...e.nodes.slice(start));
    return z;
  });
  g.node = nodes;
  g.initializer = [...g.initializer, ...e.inits];
  g.input = [...g.input, onnx.ValueInfoProto.create({ name: tangentInput, type: wrtInfo.type })];
  g.output = [...g.output, ...tangentOutputs.map((name) => onnx.ValueInfoProto.create({ name }))];
  return { model: copy, tangentInput, tangentOutputs };
}

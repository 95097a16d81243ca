/**
 * Specs of ONNX default-domain ops (and the com.microsoft contrib ops seen in ORT-optimized graphs), one file per op
 * family. Pure data plus pure shape / FLOPs functions; nothing is registered at import.
 *
 * FLOPs conventions (FLOPs = 2 × MACs; "element" = output element unless stated):
 * - Conv: 2·N·Cout·∏out·(Cin/g)·∏k, + 1 per output element for a bias. FusedConv: +1 per element for the
 *   activation and +1 for the residual Z. ConvTranspose: 2·N·Cin·∏in·(Cout/g)·∏k (+ bias adds).
 * - Gemm / MatMul: 2·M·N·K per batch (+ M·N adds for Gemm's C). Einsum: 2 × ∏ of every label's dim.
 * - Element-wise n-ary (Add, Mul, Where, comparisons, …): 1 per element per input beyond the first.
 * - Unary activations and math (Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Gelu, Erf, Exp, Tanh, …): 1 per
 *   element — an exp, a division or a polynomial inside Sigmoid / Gelu / HardSwish is NOT counted separately.
 *   BiasGelu: 2. Cast and Range: 1 per element.
 * - BatchNormalization: 2 per element (folded scale and shift). Instance / Layer / Group normalization: 5 per
 *   element (mean 1, variance 2, normalize and affine 2); SkipLayerNormalization 6 (+1 with bias); RMS norm 4.
 * - Pools: ∏kernel per output element; LpPool 2·∏kernel. Global pools: 1 per input element.
 * - Reductions: 1 per input element (L2, LogSumExp, SumSquare: 2). ArgMax/ArgMin: 1 per input element.
 * - Softmax / LogSoftmax: 5 per element (max, subtract, exp, sum, divide); Hardmax 2.
 * - Resize: per output element nearest 1, linear 2^r, cubic 4^r (r = resized axes); GridSample the same with r =
 *   spatial rank.
 * - Data movement (Concat, Split, Slice, Transpose, Pad, Gather, Expand, Tile, …): 0 — their cost is the bytes moved.
 * - `noCompute` (no kernel at inference): Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout.
 * - Quantize / DequantizeLinear: 2 per element. If: the taken (or larger) branch; Loop: body × trip count.
 * - LSTM / GRU / RNN (G = 4 / 3 / 1 gates): per step, batch row and direction 2·G·H·(I + H) + 2·G·H + 3·H.
 * - com.microsoft MatMulNBits: 2·M·N·K (dequantization not counted); RotaryEmbedding 3 per element.
 * - com.microsoft Attention: QKV projection 2·B·S·In·3H + scores and context 2·B·S²·(Dq + Dv) + softmax 5·B·heads·S².
 */
import type { OpSpec } from "../types.js";
import { activationSpecs } from "./activation.js";
import { attentionSpecs } from "./attention.js";
import { controlSpecs } from "./control.js";
import { convSpecs } from "./conv.js";
import { elementwiseSpecs } from "./elementwise.js";
import { matmulSpecs } from "./matmul.js";
import { normSpecs } from "./norm.js";
import { quantSpecs } from "./quant.js";
import { poolSpecs } from "./pool.js";
import { reduceSpecs } from "./reduce.js";
import { resizeSpecs } from "./resize.js";
import { rnnSpecs } from "./rnn.js";
import { shapeSpecs } from "./shape.js";
import { tensorSpecs } from "./tensor.js";

/** Specs of ONNX default-domain ops (and the com.microsoft contrib ops seen in real models). */
export const onnxOpSpecs: readonly OpSpec[] = [
  ...convSpecs,
  ...matmulSpecs,
  ...normSpecs,
  ...activationSpecs,
  ...elementwiseSpecs,
  ...poolSpecs,
  ...reduceSpecs,
  ...tensorSpecs,
  ...resizeSpecs,
  ...shapeSpecs,
  ...controlSpecs,
  ...rnnSpecs,
  ...attentionSpecs,
  ...quantSpecs,
];

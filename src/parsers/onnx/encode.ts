/**
 * IR Graph → ONNX ModelProto bytes, so that graphs built in code (search spaces, tests) can be run and profiled by
 * ONNX runtimes. Constants become initializers holding their known values, else generated data:
 *   "random"   (default) seeded small floats, uniform with standard deviation 0.05 (1 + |x| where an op needs a
 *              positive operand, e.g. BatchNormalization's variance), zeros for integer/bool tensors — finite
 *              outputs on any runtime;
 *   "zeros"    all zeros;
 *   "stripped" no data at all (shape and dtype only): a small file for parsers and inspection, which runtimes
 *              cannot execute.
 * Constants with known `values` (shape operands) always keep them. Only ONNX-domain graphs can be written: nodes of
 * the `tf`, `keras` or `nnmeter` domains are an `unsupported_op`.
 */
import { EdgelatError } from "../../errors.js";
import { checkShape, numElements, topoSort, validateGraph } from "../../ir/graph.js";
import type { Graph, TensorInfo } from "../../ir/types.js";
import { defaultOpRegistry, lookupOp } from "../../ops/registry.js";
import type { OpRegistry } from "../../ops/types.js";
import { createRng, type Rng } from "../../util/rng.js";
import { encodeAttribute, type AttrEncodeContext } from "./attributes.js";
import { onnxTypes, type PGraph, type PModel, type PNode, type PTensor, type PValueInfo } from "./schema.js";
import { codeOfDtype, encodeRaw, rawByteLength } from "./tensor-data.js";

export interface ToOnnxOptions {
  /**
   * How constants without known values are filled: "random" (default; seeded, standard deviation 0.05, runnable), "zeros"
   * (runnable), or "stripped" (no data: a small file for parsing and inspection that runtimes cannot execute).
   */
  weights?: "random" | "zeros" | "stripped";
  /** Seed of the generated weights (default 0): the same graph and seed give the same bytes. */
  seed?: number;
  /** Op specs giving attribute types (default: edgelat's built-in registry). */
  registry?: OpRegistry;
}

/** Domains of non-ONNX IR graphs (TF.js graph and layers models, nn-Meter IR). */
const NON_ONNX_DOMAINS = new Set(["tf", "keras", "nnmeter"]);

/** float32 weights can be written straight from a Float32Array on little-endian hosts (ONNX raw data is LE). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Standard deviation of generated weights: small, so activations stay finite through deep networks. */
const WEIGHT_STD = 0.05;

/** Inputs that must be positive for a finite result (variance under a square root, divisors, logarithms). */
const POSITIVE_INPUTS: Record<string, readonly number[]> = {
  BatchNormalization: [4],
  Div: [1],
  Log: [0],
  Pow: [0],
  Reciprocal: [0],
  Sqrt: [0],
};

const FLOAT_CODES = new Set([1, 10, 11, 14, 15, 16]);

const RESERVED_METADATA = new Set(["ir_version", "producer_name", "producer_version", "domain", "model_version"]);

/** Oldest IR version that can carry an ai.onnx opset (IR 8 up to opset 18). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

interface WriteContext {
  weights: NonNullable<ToOnnxOptions["weights"]>;
  rng: Rng;
  registry: OpRegistry;
  /** Domains used by nodes (all levels). */
  domains: Set<string>;
}

function tensorData(t: TensorInfo, positive: boolean, ctx: WriteContext): PTensor {
  const code = codeOfDtype(t.dtype);
  if (code === undefined) {
    throw new EdgelatError("invalid_argument", `Constant '${t.name}' has an unknown dtype; cannot write it to ONNX`, { tensor: t.name });
  }
  const shape = t.shape ?? [];
  if (t.shape === undefined || shape.some((d) => typeof d !== "number")) {
    throw new EdgelatError("invalid_shape", `Constant '${t.name}' needs a fully known shape to be written (has ${JSON.stringify(t.shape)})`, {
      tensor: t.name,
    });
  }
  const dims = checkShape(shape, `constant '${t.name}'`) as number[];
  const n = numElements(dims)!;
  const out: PTensor = { name: t.name, dims, data_type: code };
  const values = t.constant?.values;
  if (code === 8) {
    if (ctx.weights !== "stripped") out.string_data = Array.from({ length: n }, () => new Uint8Array(0));
    return out;
  }
  if (values !== undefined) {
    if (values.length !== n) {
      throw new EdgelatError("invalid_argument", `Constant '${t.name}' has ${values.length} values for shape [${dims.join(", ")}]`, {
        tensor: t.name,
      });
    }
    out.raw_data = encodeRaw(values, code);
    return out;
  }
  if (ctx.weights === "stripped") return out;
  if (ctx.weights === "zeros" || !FLOAT_CODES.has(code)) {
    out.raw_data = new Uint8Array(rawByteLength(code, n)!);
    return out;
  }
  // Uniform on ±√3·σ (standard deviation σ): as finite as a normal, and cheap enough for 10^7-parameter models.
  const halfWidth = Math.sqrt(3) * WEIGHT_STD;
  const data = code === 1 && LITTLE_ENDIAN ? new Float32Array(n) : new Float64Array(n); // complex: real parts only
  for (let i = 0; i < n; i++) {
    const x = (2 * ctx.rng.next() - 1) * halfWidth;
    data[i] = positive ? 1 + Math.abs(x) : x;
  }
  out.raw_data = data instanceof Float32Array ? new Uint8Array(data.buffer) : encodeRaw(data, code);
  return out;
}

function valueInfo(name: string, t: TensorInfo | undefined): PValueInfo {
  const code = t === undefined ? undefined : codeOfDtype(t.dtype);
  if (code === undefined) return { name };
  const shape = t!.shape;
  return {
    name,
    type: {
      tensor_type: {
        elem_type: code,
        ...(shape === undefined
          ? {}
          : { shape: { dim: shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } }),
      },
    },
  };
}

function encodeGraph(graph: Graph, ctx: WriteContext, isMain: boolean): PGraph {
  const nodes = isMain ? graph.nodes : topoSort(graph.nodes);
  const produced = new Set<string>();
  const positive = new Set<string>();
  for (const n of nodes) {
    for (const o of n.outputs) if (o !== "") produced.add(o);
    for (const i of POSITIVE_INPUTS[n.opType] ?? []) if (n.inputs[i]) positive.add(n.inputs[i]!);
  }
  const actx: AttrEncodeContext = {
    tensor: (t) => tensorData(t, false, ctx),
    graph: (g) => encodeGraph(g, ctx, false),
  };
  const pnodes: PNode[] = nodes.map((n) => {
    if (NON_ONNX_DOMAINS.has(n.domain)) {
      throw new EdgelatError("unsupported_op", `Node '${n.name}' is a '${n.domain}' op (${n.opType}); only ONNX-domain graphs can be written to ONNX`, {
        node: n.name,
        domain: n.domain,
      });
    }
    ctx.domains.add(n.domain);
    const spec = lookupOp(ctx.registry, n.domain, n.opType);
    return {
      name: n.name,
      op_type: n.opType,
      ...(n.domain === "" ? {} : { domain: n.domain }),
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttribute(k, v, spec?.attrs?.[k]?.type, n.name, actx)),
    };
  });
  const inputSet = new Set(graph.inputs);
  const outputSet = new Set(graph.outputs);
  const initializer: PTensor[] = [];
  const value_info: PValueInfo[] = [];
  for (const t of graph.tensors.values()) {
    if (t.constant !== undefined && !produced.has(t.name) && !inputSet.has(t.name)) {
      initializer.push(tensorData(t, positive.has(t.name), ctx));
    } else if (t.constant === undefined && produced.has(t.name) && !outputSet.has(t.name) && codeOfDtype(t.dtype) !== undefined) {
      value_info.push(valueInfo(t.name, t));
    }
  }
  return {
    name: graph.name,
    node: pnodes,
    initializer,
    input: graph.inputs.map((name) => valueInfo(name, graph.tensors.get(name))),
    output: graph.outputs.map((name) => valueInfo(name, graph.tensors.get(name))),
    value_info,
  };
}

/** Serialises an IR graph of ONNX-domain ops as an ONNX model (ir_version 8, or newer when the opset needs it). */
export function toOnnx(graph: Graph, opts: ToOnnxOptions = {}): Uint8Array {
  const weights = opts.weights ?? "random";
  if (weights !== "random" && weights !== "zeros" && weights !== "stripped") {
    throw new EdgelatError("invalid_argument", `toOnnx: weights must be "random", "zeros" or "stripped", not '${String(weights)}'`);
  }
  const ctx: WriteContext = {
    weights,
    rng: createRng(opts.seed ?? 0),
    registry: opts.registry ?? defaultOpRegistry,
    domains: new Set(),
  };
  const pgraph = encodeGraph(validateGraph(graph), ctx, true);
  const opsets: Record<string, number> = { "": 17, ...graph.opsets };
  for (const d of ctx.domains) if (opsets[d === "ai.onnx" ? "" : d] === undefined) opsets[d] = 1;
  const metadata_props = Object.entries(graph.metadata)
    .filter(([k]) => !RESERVED_METADATA.has(k))
    .map(([k, value]) => ({ key: k.startsWith("prop:") && RESERVED_METADATA.has(k.slice(5)) ? k.slice(5) : k, value }));
  const model: PModel = {
    ir_version: irVersionFor(opsets[""]!),
    producer_name: "edgelat",
    opset_import: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph: pgraph,
    metadata_props,
  };
  return onnxTypes().model.encode(model as never).finish();
}

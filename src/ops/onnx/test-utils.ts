/** Test helper: infer one ONNX node on given inputs (used by the op-family tests). Not part of the public API. */
import { GraphBuilder } from "../../ir/builder.js";
import type { AttrValue, DType, Shape } from "../../ir/types.js";
import { inferShapes } from "../../shape/infer.js";
import type { InferredGraph } from "../../shape/types.js";

export interface TestInput {
  shape: Shape;
  dtype?: DType;
  /** Known values make the input a constant. */
  values?: number[];
  /** A constant (weight) without values. */
  constant?: boolean;
}

export interface SingleNodeResult {
  shapes: (Shape | undefined)[];
  values: (number[] | undefined)[];
  flops: number;
  inferred: InferredGraph;
}

export function inferNode(
  opType: string,
  inputs: (TestInput | null)[],
  attrs: Record<string, AttrValue> = {},
  opts: { outputs?: number; opset?: number; domain?: string } = {},
): SingleNodeResult {
  const b = new GraphBuilder("t", { "": opts.opset ?? 17, "com.microsoft": 1 });
  const names = inputs.map((t, i) => {
    if (t === null) return "";
    if (t.values !== undefined || t.constant) return b.constant(`in${i}`, t.shape, t.dtype ?? "float32", t.values);
    return b.input(`in${i}`, t.shape, t.dtype ?? "float32");
  });
  const outs = b.node(opType, names, attrs, { name: "n", outputs: opts.outputs ?? 1, domain: opts.domain ?? "" });
  b.output(...outs);
  const inferred = inferShapes(b.build());
  const tensors = outs.map((o) => inferred.graph.tensors.get(o));
  return {
    shapes: tensors.map((t) => t?.shape),
    values: tensors.map((t) => t?.constant?.values),
    flops: inferred.costs[0]!.flops,
    inferred,
  };
}

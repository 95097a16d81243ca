/**
 * Small IR graphs used by the ONNX tests and the fuzz test (as seeds, through `toOnnx`). Not part of the public API.
 */
import { GraphBuilder } from "../../ir/builder.js";
import type { Graph } from "../../ir/types.js";

/**
 * A small residual CNN: Conv → BatchNormalization → Relu → Conv → Add (skip) → GlobalAveragePool → Reshape (constant
 * shape operand) → Gemm. Input `x` is [batch, 3, 16, 16] (symbolic batch), output `logits` is [batch, 10].
 */
export function smallCnnGraph(batch: number | string = "batch"): Graph {
  const b = new GraphBuilder("small_cnn", { "": 13 });
  const x = b.input("x", [batch, 3, 16, 16]);
  let y = b.op("Conv", [x, b.constant("conv1.w", [8, 3, 3, 3]), b.constant("conv1.b", [8])], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
    strides: [1, 1],
  }, { name: "conv1" });
  y = b.op(
    "BatchNormalization",
    [y, b.constant("bn.scale", [8]), b.constant("bn.bias", [8]), b.constant("bn.mean", [8]), b.constant("bn.var", [8])],
    { epsilon: 1e-5, momentum: 0.9 },
    { name: "bn" },
  );
  const skip = b.op("Relu", [y], {}, { name: "relu1" });
  y = b.op("Conv", [skip, b.constant("conv2.w", [8, 8, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 1 }, { name: "conv2" });
  y = b.op("Add", [y, skip], {}, { name: "add" });
  y = b.op("GlobalAveragePool", [y], {}, { name: "gap" });
  y = b.op("Reshape", [y, b.constant("flat.shape", [2], "int64", [-1, 8])], {}, { name: "flatten" });
  const logits = b.node("Gemm", [y, b.constant("fc.w", [10, 8]), b.constant("fc.b", [10])], { transB: 1, alpha: 1, beta: 1 }, {
    name: "fc",
    outputs: ["logits"],
  })[0]!;
  b.output(logits);
  return b.build();
}

/** `If(cond)` choosing between two constant branches: output `y` is [1] (1.5 when cond is true, else -2). */
export function ifGraph(): Graph {
  const branch = (name: string, value: number): Graph => {
    const g = new GraphBuilder(name, { "": 13 });
    const c = g.constant(`${name}.c`, [1], "float32", [value]);
    g.output(g.node("Identity", [c], {}, { name: `${name}.id`, outputs: [`${name}.out`] })[0]!);
    return g.build();
  };
  const b = new GraphBuilder("if_model", { "": 13 });
  const cond = b.input("cond", [], "bool");
  b.output(b.node("If", [cond], { then_branch: branch("then", 1.5), else_branch: branch("else", -2) }, { name: "if", outputs: ["y"] })[0]!);
  return b.build();
}

import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../../errors.js";
import { GraphBuilder } from "../../ir/builder.js";
import type { AttrValue, Shape } from "../../ir/types.js";
import { inferShapes } from "../../shape/infer.js";

/** Builds x → op(x, constants…) in domain "tf" and returns the inferred output shape, values and FLOPs. */
function run(
  opType: string,
  x: Shape | undefined,
  consts: { shape: Shape; values?: number[]; dtype?: "int32" | "float32" | "bool" }[],
  attrs: Record<string, AttrValue> = {},
  outputs = 1,
) {
  const b = new GraphBuilder("t", { tf: 1 });
  const ins: string[] = [];
  if (x !== undefined) ins.push(b.input("x", x));
  consts.forEach((c, i) => ins.push(b.constant(`c${i}`, c.shape, c.dtype ?? (c.values ? "int32" : "float32"), c.values)));
  const outs = b.node(opType, ins, attrs, { domain: "tf", outputs, name: "n" });
  b.output(...outs);
  const inf = inferShapes(b.build());
  const t = inf.graph.tensors.get(outs[0]!)!;
  return { shape: t.shape, values: t.constant?.values, flops: inf.costs[0]!.flops, unknown: inf.unknown, all: outs.map((o) => inf.graph.tensors.get(o)!.shape) };
}

describe("TF conv specs", () => {
  it("Conv2D SAME / VALID, strides, dilations and FLOPs = 2·N·Ho·Wo·Cout·kh·kw·Cin", () => {
    const same = run("Conv2D", [1, 224, 224, 3], [{ shape: [3, 3, 3, 32] }], { strides: [1, 2, 2, 1], padding: "SAME" });
    expect(same.shape).toEqual([1, 112, 112, 32]);
    expect(same.flops).toBe(2 * 112 * 112 * 32 * 3 * 3 * 3);
    expect(run("Conv2D", [1, 224, 224, 3], [{ shape: [3, 3, 3, 32] }], { strides: [1, 2, 2, 1], padding: "VALID" }).shape).toEqual([1, 111, 111, 32]);
    expect(run("Conv2D", [1, 32, 32, 8], [{ shape: [3, 3, 8, 8] }], { padding: "VALID", dilations: [1, 2, 2, 1] }).shape).toEqual([1, 28, 28, 8]);
    expect(run("Conv2D", [1, 10, 10, 8], [{ shape: [3, 3, 8, 4] }], { padding: "EXPLICIT", explicit_paddings: [0, 0, 1, 1, 2, 2, 0, 0] }).shape).toEqual([1, 10, 12, 4]);
  });

  it("grouped Conv2D (filter depth divides Cin) and channel mismatch", () => {
    const g = run("Conv2D", [1, 8, 8, 16], [{ shape: [1, 1, 4, 16] }], { padding: "VALID" });
    expect(g.flops).toBe(2 * 8 * 8 * 16 * 4);
    let err: unknown;
    try {
      run("Conv2D", [1, 8, 8, 6], [{ shape: [1, 1, 4, 16] }], { padding: "VALID" });
    } catch (e) {
      err = e;
    }
    expect(isEdgelatError(err, "invalid_shape")).toBe(true);
  });

  it("DepthwiseConv2dNative and the pre-fused ops count their fused FLOPs", () => {
    const dw = run("DepthwiseConv2dNative", [1, 56, 56, 32], [{ shape: [3, 3, 32, 2] }], { strides: [1, 2, 2, 1], padding: "SAME" });
    expect(dw.shape).toEqual([1, 28, 28, 64]);
    expect(dw.flops).toBe(2 * 28 * 28 * 64 * 9);
    const fused = run("_FusedConv2D", [1, 8, 8, 3], [{ shape: [3, 3, 3, 4] }, { shape: [4] }], { padding: "SAME", fused_ops: ["BiasAdd", "Relu"], num_args: 1 });
    expect(fused.flops).toBe(8 * 8 * 4 * (2 * 27 + 2));
    const bn = run("_FusedConv2D", [1, 8, 8, 3], [{ shape: [1, 1, 3, 4] }, { shape: [4] }, { shape: [4] }, { shape: [4] }, { shape: [4] }], { padding: "SAME", fused_ops: ["FusedBatchNorm", "Relu"], num_args: 4 });
    expect(bn.flops).toBe(8 * 8 * 4 * (2 * 3 + 3));
    const fdw = run("FusedDepthwiseConv2dNative", [1, 8, 8, 4], [{ shape: [3, 3, 4, 1] }, { shape: [4] }, { shape: [4] }], { padding: "SAME", fused_ops: ["BiasAdd", "Prelu"], num_args: 2 });
    expect(fdw.shape).toEqual([1, 8, 8, 4]);
    expect(fdw.flops).toBe(8 * 8 * 4 * (2 * 9 + 2));
  });

  it("_FusedMatMul with transpose_b", () => {
    const r = run("_FusedMatMul", [2, 64], [{ shape: [10, 64] }, { shape: [10] }], { transpose_b: 1, fused_ops: ["BiasAdd"] });
    expect(r.shape).toEqual([2, 10]);
    expect(r.flops).toBe(2 * 10 * (2 * 64 + 1));
  });
});

describe("TF array specs", () => {
  it("StridedSlice with begin/end/shrink/new_axis/ellipsis masks", () => {
    const x: Shape = [1, 10, 12, 3];
    const c = (v: number[]) => ({ shape: [v.length], values: v });
    expect(run("StridedSlice", x, [c([0, 2, 0]), c([0, 8, 0]), c([1, 2, 1])], { begin_mask: 5, end_mask: 5 }).shape).toEqual([1, 3, 12, 3]);
    expect(run("StridedSlice", x, [c([0, -1]), c([0, 0]), c([1, 1])], { ellipsis_mask: 1, shrink_axis_mask: 2 }).shape).toEqual([1, 10, 12]);
    expect(run("StridedSlice", x, [c([0, 0]), c([0, 0]), c([1, 1])], { new_axis_mask: 1, ellipsis_mask: 2 }).shape).toEqual([1, 1, 10, 12, 3]);
    expect(run("StridedSlice", x, [c([0, 0, 0, 0]), c([1, 10, 12, 3]), c([1, -1, 1, 1])], { begin_mask: 2, end_mask: 2 }).shape).toEqual([1, 10, 12, 3]);
    // Folds a shape computation: Shape values [1,10,12,3][1:3] = [10, 12].
    const v = run("StridedSlice", undefined, [c([1, 10, 12, 3]), c([1]), c([3]), c([1])]);
    expect(v.shape).toEqual([2]);
    expect(v.values).toEqual([10, 12]);
  });

  it("Reshape with -1, ConcatV2 / Pack value folding, SplitV, Transpose, Pad, Squeeze", () => {
    expect(run("Reshape", [1, 7, 7, 64], [{ shape: [2], values: [-1, 3136] }]).shape).toEqual([1, 3136]);
    expect(run("Reshape", ["batch", 7, 7, 64], [{ shape: [2], values: [-1, 3136] }]).shape).toEqual(["batch", 3136]);
    const cat = run("ConcatV2", undefined, [{ shape: [2], values: [1, 2] }, { shape: [1], values: [7] }, { shape: [], values: [0] }]);
    expect(cat.values).toEqual([1, 2, 7]);
    const pack = run("Pack", undefined, [{ shape: [], values: [4] }, { shape: [], values: [-1] }], { axis: 0 });
    expect(pack.shape).toEqual([2]);
    expect(pack.values).toEqual([4, -1]);
    const split = run("SplitV", [1, 10, 4], [{ shape: [3], values: [2, -1, 3] }, { shape: [], values: [1] }], {}, 3);
    expect(split.all).toEqual([[1, 2, 4], [1, 5, 4], [1, 3, 4]]);
    expect(run("Transpose", [1, 2, 3, 4], [{ shape: [4], values: [0, 3, 1, 2] }]).shape).toEqual([1, 4, 2, 3]);
    expect(run("Pad", [1, 5, 5, 3], [{ shape: [4, 2], values: [0, 0, 1, 2, 1, 2, 0, 0] }]).shape).toEqual([1, 8, 8, 3]);
    expect(run("Squeeze", [1, 1, 1, 9], [], { squeeze_dims: [1, 2] }).shape).toEqual([1, 9]);
  });

  it("Mean keep_dims, ArgMax, GatherV2 values, TopKV2, ResizeBilinear", () => {
    const gap = run("Mean", [1, 7, 7, 32], [{ shape: [2], values: [1, 2] }], { keep_dims: 1 });
    expect(gap.shape).toEqual([1, 1, 1, 32]);
    expect(gap.flops).toBe(7 * 7 * 32);
    expect(run("Mean", [1, 7, 7, 32], [{ shape: [2], values: [1, 2] }]).shape).toEqual([1, 32]);
    expect(run("ArgMax", [1, 100, 17], [{ shape: [], values: [1] }]).shape).toEqual([1, 17]);
    const g = run("GatherV2", undefined, [{ shape: [4], values: [1, 10, 12, 3] }, { shape: [2], values: [2, 1] }, { shape: [], values: [0] }]);
    expect(g.values).toEqual([12, 10]);
    const topk = run("TopKV2", [1, 4096], [{ shape: [], values: [100] }], {}, 2);
    expect(topk.all).toEqual([[1, 100], [1, 100]]);
    expect(run("ResizeBilinear", [1, 16, 16, 8], [{ shape: [2], values: [32, 32] }]).shape).toEqual([1, 32, 32, 8]);
  });

  it("NonMaxSuppressionV5 and Where are data-dependent: unknown with a reason", () => {
    const r = run("NonMaxSuppressionV5", [100, 4], [{ shape: [100] }, { shape: [], values: [10] }, { shape: [] }, { shape: [] }, { shape: [] }], {}, 3);
    expect(r.shape).toBeUndefined();
    expect(r.unknown[0]!.reason).toMatch(/data-dependent/);
    const padded = run("NonMaxSuppressionV5", [100, 4], [{ shape: [100] }, { shape: [], values: [10] }, { shape: [] }, { shape: [] }, { shape: [] }], { pad_to_max_output_size: 1 }, 3);
    expect(padded.all).toEqual([[10], [10], []]);
    expect(run("Where", [5, 5], []).unknown[0]!.reason).toMatch(/data-dependent/);
  });

  it("binary ops broadcast and fold; Cast and Shape fold", () => {
    const fd = run("FloorDiv", undefined, [{ shape: [2], values: [7, -7] }, { shape: [], values: [2] }]);
    expect(fd.values).toEqual([3, -4]);
    expect(run("AddV2", [1, 8, 8, 16], [{ shape: [16] }]).shape).toEqual([1, 8, 8, 16]);
    const shape = run("Shape", [1, 3, 5], []);
    expect(shape.values).toEqual([1, 3, 5]);
    expect(run("Cast", undefined, [{ shape: [2], values: [1.7, -2.2], dtype: "float32" }], { DstT: "int32" }).values).toEqual([1, -2]);
  });
});

describe("more TF specs", () => {
  it("BatchMatMulV2 broadcasts batch dims; Einsum; Conv2DBackpropInput", () => {
    const bmm = run("BatchMatMulV2", [2, 1, 5, 8], [{ shape: [3, 8, 4] }]);
    expect(bmm.shape).toEqual([2, 3, 5, 4]);
    expect(bmm.flops).toBe(2 * 8 * 2 * 3 * 5 * 4);
    const ein = run("Einsum", [2, 5, 8], [{ shape: [8, 4] }], { equation: "bij,jk->bik" });
    expect(ein.shape).toEqual([2, 5, 4]);
    expect(ein.flops).toBe(2 * 2 * 5 * 8 * 4);
    const b = new GraphBuilder("t", { tf: 1 });
    const dy = b.input("dy", [1, 8, 8, 4]);
    const sizes = b.constant("sizes", [4], "int32", [1, 16, 16, 8]);
    const f = b.constant("f", [3, 3, 8, 4]);
    b.output(b.op("Conv2DBackpropInput", [sizes, f, dy], { padding: "SAME", strides: [1, 2, 2, 1] }, { domain: "tf" }));
    const inf = inferShapes(b.build());
    expect(inf.graph.tensors.get(inf.graph.outputs[0]!)!.shape).toEqual([1, 16, 16, 8]);
    expect(inf.costs[0]!.flops).toBe(2 * 8 * 8 * 4 * 9 * 8);
  });

  it("Unpack, Tile, Fill, Range, DepthToSpace, Select, GatherNd, AddN", () => {
    const un = run("Unpack", undefined, [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }], { axis: 1, num: 3 }, 3);
    expect(un.all).toEqual([[2], [2], [2]]);
    expect(un.values).toEqual([1, 4]);
    const tile = run("Tile", undefined, [{ shape: [2], values: [1, 2] }, { shape: [1], values: [2] }]);
    expect(tile.values).toEqual([1, 2, 1, 2]);
    expect(run("Fill", undefined, [{ shape: [2], values: [2, 3] }, { shape: [], values: [7] }]).values).toEqual([7, 7, 7, 7, 7, 7]);
    expect(run("Range", undefined, [{ shape: [], values: [0] }, { shape: [], values: [10] }, { shape: [], values: [3] }]).values).toEqual([0, 3, 6, 9]);
    expect(run("DepthToSpace", [1, 4, 4, 16], [], { block_size: 2 }).shape).toEqual([1, 8, 8, 4]);
    expect(run("Select", undefined, [{ shape: [3], values: [1, 0, 1], dtype: "bool" }, { shape: [3, 2] }, { shape: [3, 2] }]).shape).toEqual([3, 2]);
    expect(run("GatherNd", [4, 5, 6], [{ shape: [7, 2], values: new Array(14).fill(0) }]).shape).toEqual([7, 6]);
    const addn = run("AddN", [1, 4, 4, 2], [{ shape: [1, 4, 4, 2] }, { shape: [1, 4, 4, 2] }]);
    expect(addn.flops).toBe(2 * 32);
  });

  it("FusedBatchNormV3 has 6 outputs and checks its channel count", () => {
    const bn = run("FusedBatchNormV3", [1, 4, 4, 8], [{ shape: [8] }, { shape: [8] }, { shape: [8] }, { shape: [8] }], {}, 6);
    expect(bn.all[0]).toEqual([1, 4, 4, 8]);
    expect(bn.flops).toBe(2 * 128);
    expect(() => run("FusedBatchNormV3", [1, 4, 4, 8], [{ shape: [3] }, { shape: [3] }, { shape: [3] }, { shape: [3] }])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
});

describe("TF specs stay bounded on huge sizes", () => {
  it("slicing a huge dim, a huge Range and a bad num_split neither hang nor allocate", () => {
    const c = (v: number[]) => ({ shape: [v.length], values: v });
    expect(run("StridedSlice", [1, 2 ** 30], [c([0, 5]), c([1, 2 ** 30]), c([1, 1])]).shape).toEqual([1, 2 ** 30 - 5]);
    expect(run("Slice", [2 ** 30, 2], [c([1, 0]), c([-1, 2])]).shape).toEqual([2 ** 30 - 1, 2]);
    expect(() => run("Range", undefined, [{ shape: [], values: [0] }, { shape: [], values: [1e15] }, { shape: [], values: [1] }])).toThrow(expect.objectContaining({ code: "too_large" }));
    expect(() => run("Split", undefined, [{ shape: [], values: [0] }, { shape: [4, 4] }], { num_split: 1e9 }, 2)).toThrow(expect.objectContaining({ code: "invalid_attribute" }));
  });
});

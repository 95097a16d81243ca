import onnxPkg, { type onnx as P } from "onnx-proto";
import { describe, expect, it } from "vitest";
import { EdgelatError, LIMITS } from "../../errors.js";
import type { Graph } from "../../ir/types.js";
import { createRng } from "../../util/rng.js";
import { smallCnnGraph } from "./fixtures.js";
import { parseOnnx } from "./parse.js";
import { toOnnx } from "./encode.js";

const { onnx } = onnxPkg;

/** The EdgelatError code `f` throws (fails the test on success or on another exception type). */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgelatError) return e.code;
    throw new Error(`expected an EdgelatError, got ${String(e)}`);
  }
  throw new Error("expected an EdgelatError, nothing was thrown");
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const tensorType = (elemType: number, dims: P.TensorShapeProto.IDimension[]): P.ITypeProto => ({
  tensorType: { elemType, shape: { dim: dims } },
});
const model = (graph: P.IGraphProto, opset = 13, extra: P.IModelProto = {}): Uint8Array =>
  onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ domain: "", version: opset }], graph, ...extra }).finish();
const relu = (input: string, output: string, name = ""): P.INodeProto => ({ opType: "Relu", input: [input], output: [output], name });
const floatInput = (name: string, dims: P.TensorShapeProto.IDimension[]): P.IValueInfoProto => ({ name, type: tensorType(1, dims) });
/** x: float [1, 4] → Relu → y, with the given extra graph fields. */
const tiny = (extra: P.IGraphProto = {}): P.IGraphProto => ({
  name: "tiny",
  input: [floatInput("x", [{ dimValue: 1 }, { dimValue: 4 }])],
  output: [{ name: "y" }],
  node: [relu("x", "y", "r")],
  ...extra,
});

describe("parseOnnx on a model written by onnx-proto (cross-checks field numbers)", () => {
  const weight = { name: "conv.w", dims: [8, 3, 3, 3], dataType: 1, rawData: f32(Array.from({ length: 216 }, (_, i) => i / 100)) };
  const big = { name: "big.w", dims: [64, 64, 3, 3], dataType: 1, rawData: new Uint8Array(64 * 64 * 9 * 4) };
  const bytes = onnx.ModelProto.encode({
    irVersion: 6,
    producerName: "pytorch",
    producerVersion: "1.9",
    modelVersion: 3,
    opsetImport: [{ domain: "", version: 11 }, { domain: "ai.onnx.ml", version: 2 }],
    metadataProps: [{ key: "author", value: "someone" }],
    graph: {
      name: "net",
      input: [
        floatInput("input", [{ dimParam: "batch" }, { dimValue: 3 }, {}, { dimParam: "" }]),
        floatInput("conv.w", [{ dimValue: 8 }, { dimValue: 3 }, { dimValue: 3 }, { dimValue: 3 }]), // IR 3 style: initializer listed as input
      ],
      initializer: [
        weight,
        big,
        { name: "shape", dims: [2], dataType: 7, int64Data: [1, -1] },
        { name: "idx", dims: [300], dataType: 6, int32Data: Array.from({ length: 300 }, (_, i) => i - 150) },
        { name: "half", dims: [3], dataType: 10, rawData: new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]) }, // 1, -2, 0.5
        { name: "scales", dims: [4], dataType: 1, floatData: [1, 1, 2, 2] },
        { name: "halfs", dims: [2], dataType: 10, int32Data: [0x3c00, 0x4000] }, // 1, 2 as bit patterns
        {
          name: "ext",
          dims: [16, 16],
          dataType: 1,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [{ key: "location", value: "weights.bin" }, { key: "offset", value: "4096" }, { key: "length", value: "1024" }],
        },
      ],
      node: [
        { opType: "Conv", input: ["input", "conv.w"], output: ["c"], attribute: [
          { name: "kernel_shape", type: onnx.AttributeProto.AttributeType.INTS, ints: [3, 3] },
          { name: "pads", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] },
          { name: "auto_pad", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode("NOTSET") },
        ] },
        { opType: "Constant", output: ["k"], name: "const_k", attribute: [
          { name: "value", type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [], dataType: 1, floatData: [2] } },
        ] },
        { opType: "Constant", output: ["axes"], attribute: [{ name: "value_ints", type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 1] }] },
        { opType: "Mul", input: ["c", "k"], output: ["m"], name: "dup" },
        { opType: "LeakyRelu", input: ["m"], output: ["l"], name: "dup", attribute: [{ name: "alpha", type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.1 }] },
        { opType: "Reshape", input: ["l", "shape"], output: ["out"] },
        { opType: "Add", input: ["out", "ext"], output: ["out2"], domain: "ai.onnx" },
        { opType: "Gather", input: ["out2", "idx"], output: ["out3"], name: "gather" },
      ],
      valueInfo: [{ name: "c", type: tensorType(1, [{ dimParam: "batch" }, { dimValue: 8 }, { dimParam: "h" }, { dimParam: "w" }]) }],
      output: [{ name: "out2", type: tensorType(1, [{ dimParam: "batch" }, { dimValue: 0 }]) }],
    },
  }).finish();
  const g = parseOnnx(bytes);

  it("reads model metadata and opsets", () => {
    expect(g.format).toBe("onnx");
    expect(g.name).toBe("net");
    expect(g.opsets).toEqual({ "": 11, "ai.onnx.ml": 2 });
    expect(g.metadata).toEqual({ ir_version: "6", producer_name: "pytorch", producer_version: "1.9", model_version: "3", author: "someone" });
  });

  it("keeps runtime inputs only, with symbolic and generated dims", () => {
    expect(g.inputs).toEqual(["input"]);
    expect(g.tensors.get("input")).toEqual({ name: "input", dtype: "float32", shape: ["batch", 3, "?0", "?1"] });
    expect(g.outputs).toEqual(["out2"]);
    expect(g.tensors.get("out2")!.shape).toEqual(["batch", 0]);
    expect(g.tensors.get("c")!.shape).toEqual(["batch", 8, "h", "w"]);
  });

  it("turns initializers and Constant nodes into constants, keeping values only when small", () => {
    expect(g.tensors.get("conv.w")).toEqual({
      name: "conv.w",
      dtype: "float32",
      shape: [8, 3, 3, 3],
      constant: { source: "initializer" }, // a weight: more than MAX_FLOAT_VALUES floats, values not decoded
    });
    expect(g.tensors.get("idx")!.constant!.values).toEqual(Array.from({ length: 300 }, (_, i) => i - 150));
    expect(g.tensors.get("big.w")).toEqual({ name: "big.w", dtype: "float32", shape: [64, 64, 3, 3], constant: { source: "initializer" } });
    expect(g.tensors.get("shape")!.constant).toEqual({ source: "initializer", values: [1, -1] });
    expect(g.tensors.get("half")!.constant!.values).toEqual([1, -2, 0.5]);
    expect(g.tensors.get("halfs")!.constant!.values).toEqual([1, 2]);
    expect(g.tensors.get("scales")!.constant!.values).toEqual([1, 1, 2, 2]);
    expect(g.tensors.get("k")).toEqual({ name: "k", dtype: "float32", shape: [], constant: { source: "constant-node", values: [2] } });
    expect(g.tensors.get("axes")).toEqual({ name: "axes", dtype: "int64", shape: [2], constant: { source: "constant-node", values: [0, 1] } });
    expect(g.nodes.map((n) => n.opType)).toEqual(["Conv", "Mul", "LeakyRelu", "Reshape", "Add", "Gather"]);
  });

  it("recognises external data without reading it, and warns", () => {
    expect(g.tensors.get("ext")!.constant).toEqual({ source: "initializer", external: { location: "weights.bin", offset: 4096, length: 1024 } });
    expect(g.warnings).toEqual([expect.stringContaining("external file(s) (weights.bin)")]);
  });

  it("decodes attributes and names nodes uniquely", () => {
    expect(g.nodes.map((n) => n.name)).toEqual(["Conv_0", "dup", "dup_1", "Reshape_5", "Add_6", "gather"]);
    expect(g.nodes[0]!.attrs).toEqual({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: "NOTSET" });
    expect(g.nodes[2]!.attrs).toEqual({ alpha: 0.1 });
    expect(g.nodes[4]!.domain).toBe("");
  });
});

describe("parseOnnx options and subgraphs", () => {
  const symbolic = model(tiny({ input: [floatInput("x", [{ dimParam: "N" }, { dimValue: 4 }])] }));

  it("inputShapes overrides input shapes, validated", () => {
    expect(parseOnnx(symbolic).tensors.get("x")!.shape).toEqual(["N", 4]);
    expect(parseOnnx(symbolic, { inputShapes: { x: [2, 4] } }).tensors.get("x")!.shape).toEqual([2, 4]);
    expect(codeOf(() => parseOnnx(symbolic, { inputShapes: { nope: [1] } }))).toBe("invalid_argument");
    expect(codeOf(() => parseOnnx(symbolic, { inputShapes: { x: [-1, 4] } }))).toBe("invalid_shape");
    expect(codeOf(() => parseOnnx(symbolic, { inputShapes: { x: [1e6, 1e6] } }))).toBe("too_large");
  });

  it("keeps tensors of types the IR has no dtype for (float8, sequences) with a warning, and sparse initializers", () => {
    const g = parseOnnx(
      model(
        tiny({
          initializer: [{ name: "f8", dims: [2, 2], dataType: 17, rawData: new Uint8Array(4) }],
          sparseInitializer: [{ values: { name: "sp", dims: [3], dataType: 1, floatData: [1, 2, 3] }, indices: { dims: [3], dataType: 7, int64Data: [0, 5, 9] }, dims: [10, 10] }],
          valueInfo: [{ name: "seq", type: { sequenceType: { elemType: tensorType(1, []) } } }],
        }),
      ),
    );
    expect(g.tensors.get("f8")).toEqual({ name: "f8", dtype: "unknown", shape: [2, 2], constant: { source: "initializer" } });
    expect(g.tensors.get("sp")).toEqual({ name: "sp", dtype: "float32", shape: [10, 10], constant: { source: "initializer" } });
    expect(g.tensors.get("seq")).toEqual({ name: "seq", dtype: "unknown" });
    expect(g.warnings).toEqual([expect.stringContaining("float8e4m3fn has no edgelat dtype")]);
  });

  it("reports model-local functions, which it does not expand", () => {
    const bytes = model(tiny({ node: [{ opType: "MyGelu", domain: "local", input: ["x"], output: ["y"], name: "g" }] }), 13, {
      opsetImport: [{ domain: "", version: 13 }, { domain: "local", version: 1 }],
      functions: [{ name: "MyGelu", domain: "local", input: ["x"], output: ["y"], node: [relu("x", "y")] }],
    });
    const g = parseOnnx(bytes);
    expect(g.nodes.map((n) => [n.domain, n.opType])).toEqual([["local", "MyGelu"]]);
    expect(g.warnings).toEqual([expect.stringContaining("1 model-local function(s) (local::MyGelu) are not expanded")]);
  });

  const branch = (name: string, op: P.INodeProto): P.IGraphProto => ({ name, node: [op], output: [{ name: op.output![0] }] });
  const ifModel = (thenInput: string) =>
    model({
      name: "main",
      input: [{ name: "cond", type: tensorType(9, []) }, floatInput("x", [{ dimValue: 2 }])],
      node: [
        relu("x", "rx", "pre"),
        { opType: "If", name: "if", input: ["cond"], output: ["y"], attribute: [
          { name: "then_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: branch("then", { opType: "Identity", input: [thenInput], output: ["t"], name: "t_id" }) },
          { name: "else_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: branch("else", { opType: "Neg", input: ["x"], output: ["e"], name: "e_neg" }) },
        ] },
      ],
      output: [{ name: "y" }],
    });

  it("parses If subgraphs that read outer-scope tensors, and warns that latency is data-dependent", () => {
    const g = parseOnnx(ifModel("rx"));
    const then = g.nodes[1]!.attrs.then_branch as Graph;
    expect(then.name).toBe("then");
    expect(then.nodes.map((n) => [n.name, n.opType, n.inputs])).toEqual([["t_id", "Identity", ["rx"]]]);
    expect(then.inputs).toEqual([]);
    expect(then.outputs).toEqual(["t"]);
    expect(JSON.parse(then.metadata.outer_scope!)).toEqual(["rx"]);
    expect(then.opsets).toEqual({ "": 13 });
    expect(g.warnings).toEqual([expect.stringMatching(/Node 'if' \(If\): latency is data-dependent/)]);
  });

  it("rejects a subgraph reading a name no enclosing graph produces", () => {
    expect(codeOf(() => parseOnnx(ifModel("nowhere")))).toBe("dangling_tensor");
  });
});

describe("parseOnnx on bad input: a specific EdgelatError code each", () => {
  const good = toOnnx(smallCnnGraph());

  it("truncated files → truncated", () => {
    for (const cut of [1, 5, 40, Math.floor(good.length / 2), good.length - 1]) {
      expect(codeOf(() => parseOnnx(good.subarray(0, cut)))).toBe("truncated");
    }
    expect(codeOf(() => parseOnnx(new Uint8Array(0)))).toBe("truncated");
  });

  it("random bytes → invalid_protobuf", () => {
    const rng = createRng(42);
    for (let i = 0; i < 50; i++) {
      const bytes = Uint8Array.from({ length: 16 + rng.int(0, 2000) }, () => rng.int(0, 256));
      expect(codeOf(() => parseOnnx(bytes))).toBe("invalid_protobuf");
    }
  });

  it("a valid protobuf of another message → invalid_model", () => {
    const tensor = onnx.TensorProto.encode({ name: "w", dims: [3, 3], dataType: 1, rawData: f32(new Array(9).fill(1)) }).finish();
    const graph = onnx.GraphProto.encode(tiny()).finish();
    const node = onnx.NodeProto.encode(relu("a", "b", "n")).finish();
    for (const bytes of [tensor, graph, node]) expect(codeOf(() => parseOnnx(bytes))).toBe("invalid_model");
    expect(codeOf(() => parseOnnx(onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ version: 13 }] }).finish()))).toBe("invalid_model");
    expect(codeOf(() => parseOnnx(onnx.ModelProto.encode({ irVersion: 7, graph: tiny() }).finish()))).toBe("invalid_model");
    // a model whose graph field holds another message: nothing of a graph decodes
    const wrapped = onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ version: 13 }] }).finish();
    const inner = onnx.OperatorSetIdProto.encode({ version: 3 }).finish(); // field 2 as a varint: not a graph name
    expect(codeOf(() => parseOnnx(new Uint8Array([...wrapped, 0x3a, inner.length, ...inner])))).toBe("invalid_model");
  });

  it("malformed data inside the graph → invalid_protobuf", () => {
    const bytes = new Uint8Array(good);
    // corrupt the first node's tag inside the graph field into an invalid wire type (7)
    const graphStart = bytes.indexOf(0x3a) + 3; // field 7 tag, then a 2-byte length
    bytes[graphStart] = 0x0f;
    expect(codeOf(() => parseOnnx(bytes))).toBe("invalid_protobuf");
  });

  it("a cyclic graph → cyclic_graph", () => {
    const bytes = model(tiny({ node: [{ opType: "Add", input: ["x", "b"], output: ["a"], name: "A" }, relu("a", "b", "B"), relu("a", "y", "C")] }));
    expect(codeOf(() => parseOnnx(bytes))).toBe("cyclic_graph");
  });

  it("dangling and doubly produced tensors", () => {
    expect(codeOf(() => parseOnnx(model(tiny({ node: [relu("nope", "y")] }))))).toBe("dangling_tensor");
    expect(codeOf(() => parseOnnx(model(tiny({ node: [relu("x", "y", "a"), relu("x", "y", "b")] }))))).toBe("duplicate_producer");
    const twice = { name: "w", dims: [1], dataType: 1, rawData: f32([1]) };
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [twice, twice] }))))).toBe("duplicate_producer");
  });

  it("a tensor claiming 10^12 elements → too_large; negative dims → invalid_shape", () => {
    const huge = { name: "w", dims: [1_000_000, 1_000_000], dataType: 1 };
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [huge] }))))).toBe("too_large");
    expect(codeOf(() => parseOnnx(model(tiny({ input: [floatInput("x", [{ dimValue: 1e12 }])] }))))).toBe("too_large");
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [{ name: "w", dims: [-1, 3], dataType: 1 }] }))))).toBe("invalid_shape");
    expect(codeOf(() => parseOnnx(model(tiny({ input: [floatInput("x", [{ dimValue: -5 }, { dimValue: 4 }])] }))))).toBe("invalid_shape");
    const deep = { name: "w", dims: new Array(LIMITS.maxRank + 1).fill(1), dataType: 1 };
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [deep] }))))).toBe("too_large");
  });

  it("more nodes than LIMITS.maxNodes → too_large before decoding them", () => {
    const n = LIMITS.maxNodes + 1;
    const graph = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) graph[2 * i] = 0x0a; // field 1 (node), length 0
    const head = onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ version: 13 }] }).finish();
    const len = [];
    for (let v = graph.length; ; v = Math.floor(v / 128)) {
      if (v < 128) { len.push(v); break; }
      len.push((v & 0x7f) | 0x80);
    }
    const bytes = new Uint8Array(head.length + 1 + len.length + graph.length);
    bytes.set(head);
    bytes.set([0x3a, ...len], head.length);
    bytes.set(graph, head.length + 1 + len.length);
    expect(codeOf(() => parseOnnx(bytes))).toBe("too_large");
  });

  it("nesting beyond the decoder's recursion limit → too_large; moderate nesting parses", () => {
    const nested = (depth: number): P.IGraphProto => {
      let g: P.IGraphProto = { name: "leaf", node: [relu("x", "y0", "leaf")], output: [{ name: "y0" }] };
      for (let d = 1; d <= depth; d++) {
        const attribute = [{ name: "then_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g }];
        g = { name: `g${d}`, node: [{ opType: "If", name: `if${d}`, input: ["c"], output: [`y${d}`], attribute }], output: [{ name: `y${d}` }] };
      }
      return { ...g, input: [{ name: "c", type: tensorType(9, []) }, floatInput("x", [{ dimValue: 1 }])] };
    };
    const ok = parseOnnx(model(nested(10)));
    expect(ok.warnings).toHaveLength(10);
    let g: Graph = ok;
    for (let d = 10; d >= 1; d--) {
      g = g.nodes[0]!.attrs.then_branch as Graph;
      // every level lists what it (or a subgraph of it) reads from enclosing graphs
      expect(JSON.parse(g.metadata.outer_scope!)).toEqual(d === 1 ? ["x"] : ["c", "x"]);
    }
    expect(g.nodes[0]!.inputs).toEqual(["x"]); // the leaf reads the main graph's input through 10 scopes
    expect(codeOf(() => parseOnnx(model(nested(40))))).toBe("too_large");
  });

  it("many nodes sharing one name get unique names in linear time", () => {
    const n = 20_000;
    const node = Array.from({ length: n }, (_, i) => relu(i === 0 ? "x" : `t${i - 1}`, i === n - 1 ? "y" : `t${i}`, "same"));
    const g = parseOnnx(model(tiny({ node })));
    expect(new Set(g.nodes.map((x) => x.name)).size).toBe(n);
    expect(g.nodes[n - 1]!.name).toBe(`same_${n - 1}`);
  });

  it("payloads that disagree with the shape → invalid_model", () => {
    const short = { name: "w", dims: [4], dataType: 1, rawData: f32([1, 2, 3]) };
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [short] }))))).toBe("invalid_model");
    const ints = { name: "w", dims: [3], dataType: 7, int64Data: [1, 2] };
    expect(codeOf(() => parseOnnx(model(tiny({ initializer: [ints] }))))).toBe("invalid_model");
  });

  it("opsets outside 7–21 → unsupported_opset", () => {
    expect(codeOf(() => parseOnnx(model(tiny(), 6)))).toBe("unsupported_opset");
    expect(codeOf(() => parseOnnx(model(tiny(), 22)))).toBe("unsupported_opset");
    expect(parseOnnx(model(tiny(), 7)).opsets).toEqual({ "": 7 });
    expect(parseOnnx(model(tiny(), 21)).opsets).toEqual({ "": 21 });
  });

  it("bad attributes and nodes", () => {
    const noValue = { opType: "Constant", output: ["c"], attribute: [] };
    expect(codeOf(() => parseOnnx(model(tiny({ node: [relu("x", "y"), noValue] }))))).toBe("invalid_attribute");
    const badType = { ...relu("x", "y"), attribute: [{ name: "a", type: 99 as P.AttributeProto.AttributeType }] };
    expect(codeOf(() => parseOnnx(model(tiny({ node: [badType] }))))).toBe("invalid_attribute");
    expect(codeOf(() => parseOnnx(model(tiny({ node: [{ input: ["x"], output: ["y"] }] }))))).toBe("invalid_model");
  });

  it("not bytes → invalid_argument", () => {
    expect(codeOf(() => parseOnnx("model.onnx" as never))).toBe("invalid_argument");
  });
});

describe("parseOnnx node names", () => {
  const INTS = onnx.AttributeProto.AttributeType.INTS;
  const constant = (output: string, name = "", attribute: P.IAttributeProto[] = [{ name: "value_ints", type: INTS, ints: [1, 4] }]): P.INodeProto => ({
    opType: "Constant",
    output: [output],
    name,
    attribute,
  });
  const reshape = (name = ""): P.INodeProto => ({ opType: "Reshape", input: ["x", "s"], output: ["r"], name });
  const names = (g: Graph): string[] => g.nodes.map((n) => n.name);

  it("generates <opType>_<index> for unnamed nodes and <name>_<k> for repeats, around the constants", () => {
    const g = parseOnnx(model(tiny({ node: [constant("s"), reshape(), relu("r", "y", "")] })));
    expect(names(g)).toEqual(["Reshape_1", "Relu_2"]);
    expect(g.tensors.get("s")?.constant?.values).toEqual([1, 4]);
    // A given name that an unnamed Constant would have generated: the Constant (index 0) takes "Constant_0_1", the
    // repeated name the next suffix.
    const h = parseOnnx(model(tiny({ node: [constant("s"), { ...reshape("Constant_0") }, relu("r", "y", "Constant_0")] })));
    expect(names(h)).toEqual(["Constant_0", "Constant_0_2"]);
  });

  it("names an unnamed Constant node by its index in errors", () => {
    const bad = model(tiny({ node: [relu("x", "r", "first"), constant("s", "", [])] }));
    expect(codeOf(() => parseOnnx(bad))).toBe("invalid_attribute");
    expect(() => parseOnnx(bad)).toThrow(/Constant node 'Constant_1'/);
  });
});

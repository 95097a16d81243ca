/**
 * Decoded ModelProto → IR Graph: constants from initializers and Constant nodes, runtime inputs, value_info shapes,
 * nodes with unique names and decoded attributes, If/Loop/Scan subgraphs (recursively, with outer-scope references
 * allowed), and finally `validateGraph` (on the maps built here, not copies).
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape, validateOwnedGraph } from "../../ir/graph.js";
import type { AttrValue, Graph, Node, Shape, TensorInfo } from "../../ir/types.js";
import { decodeAttribute, type AttrDecodeContext } from "./attributes.js";
import { has, toNumber, type PAttribute, type PGraph, type PModel, type PNode } from "./schema.js";
import { checkName, MAX_FLOAT_VALUES, MAX_NAME_LENGTH, sparseTensorInfo, tensorInfo, typeInfo, type TensorContext } from "./tensor.js";

export interface ParseOnnxOptions {
  /**
   * Shapes for graph inputs, replacing what the file declares (e.g. to fix symbolic batch / resolution dims):
   * `{ inputShapes: { input: [1, 3, 224, 224] } }`. Naming anything but a runtime input is an `invalid_argument`.
   */
  inputShapes?: Record<string, Shape>;
}

/** The ai.onnx opsets edgelat has op specs for. */
export const SUPPORTED_OPSETS = { min: 7, max: 21 } as const;

/** At most this many distinct warnings are kept (then one line counts the rest). */
const MAX_WARNINGS = 100;

/** Ops whose cost depends on runtime data (branch taken, iteration count). */
const CONTROL_FLOW: ReadonlyMap<string, string> = new Map([
  ["If", "the branch taken depends on runtime data"],
  ["Loop", "the iteration count depends on runtime data"],
  ["Scan", "the iteration count follows the scanned input's length"],
]);

interface ParseContext extends TensorContext {
  noteExternal(location: string): void;
  /** The model's opset imports, shared by the main graph and every subgraph. */
  opsets: Record<string, number>;
}

const normalizeDomain = (d: string): string => (d === "ai.onnx" ? "" : d);

function readOpsets(model: PModel, graph: PGraph): Record<string, number> {
  const list = model.opset_import ?? [];
  const irVersion = toNumber(model.ir_version);
  if (list.length === 0) {
    if (irVersion > 0 && irVersion < 3) {
      throw new EdgelatError("unsupported_opset", `ONNX IR version ${irVersion} predates opset imports (opset 1); supported: opsets ${SUPPORTED_OPSETS.min}–${SUPPORTED_OPSETS.max}`, {
        irVersion,
      });
    }
    throw new EdgelatError("invalid_model", "The model declares no opset_import (a truncated or hand-made file?)");
  }
  const opsets: Record<string, number> = {};
  for (const o of list) {
    const domain = normalizeDomain(checkName(o.domain ?? "", "opset domain"));
    if (domain === "__proto__") continue;
    opsets[domain] = toNumber(o.version);
  }
  const version = opsets[""];
  if (version === undefined) {
    if ((graph.node ?? []).some((n) => normalizeDomain(n.domain ?? "") === "")) {
      throw new EdgelatError("unsupported_opset", "The model uses ai.onnx ops but imports no ai.onnx opset");
    }
  } else if (version < SUPPORTED_OPSETS.min || version > SUPPORTED_OPSETS.max) {
    throw new EdgelatError(
      "unsupported_opset",
      `ai.onnx opset ${version} is not supported (supported: ${SUPPORTED_OPSETS.min}–${SUPPORTED_OPSETS.max})`,
      { opset: version },
    );
  }
  return opsets;
}

const RESERVED_METADATA = ["ir_version", "producer_name", "producer_version", "domain", "model_version"];

function readMetadata(model: PModel): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (has(model, "ir_version")) metadata.ir_version = String(toNumber(model.ir_version));
  if (model.producer_name) metadata.producer_name = model.producer_name;
  if (model.producer_version) metadata.producer_version = model.producer_version;
  if (model.domain) metadata.domain = model.domain;
  if (has(model, "model_version")) metadata.model_version = String(toNumber(model.model_version));
  for (const p of model.metadata_props ?? []) {
    const key = checkName(p.key ?? "", "metadata key");
    if (key === "" || key === "__proto__") continue;
    metadata[RESERVED_METADATA.includes(key) ? `prop:${key}` : key] = p.value ?? "";
  }
  return metadata;
}

function noConstantValue(node: string, a: PAttribute): never {
  throw new EdgelatError("invalid_attribute", `Constant node '${node}': attribute '${a.name}' has no value`, { node });
}

/** A Constant node's value as a constant tensor named after its output. */
function constantFromNode(pn: PNode, node: string, output: string, ctx: ParseContext): TensorInfo {
  const attrs = pn.attribute ?? [];
  const a: PAttribute | undefined = attrs[0];
  if (a === undefined || attrs.length !== 1) {
    throw new EdgelatError("invalid_attribute", `Constant node '${node}' needs exactly one value attribute, has ${attrs.length}`, {
      node,
    });
  }
  const source = "constant-node" as const;
  switch (a.name) {
    case "value":
      return tensorInfo(a.t ?? noConstantValue(node, a), output, source, ctx);
    case "sparse_value":
      return sparseTensorInfo(a.sparse_tensor ?? noConstantValue(node, a), output, source, ctx);
    case "value_float":
      return { name: output, dtype: "float32", shape: [], constant: { source, values: [a.f ?? 0] } };
    case "value_int":
      return { name: output, dtype: "int64", shape: [], constant: { source, values: [toNumber(a.i)] } };
    case "value_floats": {
      const v = a.floats ?? [];
      return { name: output, dtype: "float32", shape: [v.length], constant: v.length <= MAX_FLOAT_VALUES ? { source, values: v } : { source } };
    }
    case "value_ints": {
      const v = a.ints ?? [];
      const shape = [v.length];
      return { name: output, dtype: "int64", shape, constant: v.length <= LIMITS.maxFoldedElements ? { source, values: v.map(toNumber) } : { source } };
    }
    case "value_string":
      return { name: output, dtype: "string", shape: [], constant: { source } };
    case "value_strings":
      return { name: output, dtype: "string", shape: [(a.strings ?? []).length], constant: { source } };
    default:
      throw new EdgelatError("invalid_attribute", `Constant node '${node}' has unknown attribute '${a.name}'`, { node });
  }
}

/**
 * Unique node names: a given name is kept on its first occurrence; unnamed nodes get `<opType>_<index>`, repeated
 * names `<name>_<k>` — never colliding with any name given in the file.
 *
 * Unnamed default-domain Constant nodes become constants, so their name `Constant_<index>` only ever appears in error
 * messages. When no given name and no other op type starts with "Constant", that name is certain (nothing else can
 * take it or any `Constant_<index>_<k>`), so it is left undefined here and built only if an error needs it.
 */
function nodeNames(pnodes: PNode[], opTypes: string[]): (string | undefined)[] {
  const names = new Array<string | undefined>(pnodes.length);
  const used = new Set<string>();
  const later: number[] = [];
  let lazyConstants = true;
  for (let i = 0; i < pnodes.length; i++) {
    const given = checkName(pnodes[i]!.name ?? "", "node");
    if (given.startsWith("Constant") || (opTypes[i] !== "Constant" && opTypes[i]!.startsWith("Constant"))) lazyConstants = false;
    if (given !== "" && !used.has(given)) {
      used.add(given);
      names[i] = given;
    } else later.push(i);
  }
  const nextSuffix = new Map<string, number>(); // per base name, so many repeats of one name stay linear
  for (const i of later) {
    const pn = pnodes[i]!;
    if (lazyConstants && !pn.name && opTypes[i] === "Constant" && normalizeDomain(pn.domain ?? "") === "") continue;
    const base = pn.name || `${opTypes[i]}_${i}`;
    if (!used.has(base)) {
      // (the common case: no suffix needed, and a missing nextSuffix entry reads as 0)
      used.add(base);
      names[i] = base;
      continue;
    }
    let k = nextSuffix.get(base) ?? 0;
    let name = base;
    while (used.has(name)) name = `${base}_${++k}`;
    nextSuffix.set(base, k);
    used.add(name);
    names[i] = name;
  }
  return names;
}

/** A non-empty name, bounded in length. */
function requireName(name: string | undefined, kind: string, what: string): string {
  const n = checkName(name ?? "", kind);
  if (n === "") throw new EdgelatError("invalid_model", `${what}: ${kind} without a name`);
  return n;
}

function checkNames(names: string[] | undefined): string[] {
  if (names === undefined) return [];
  for (let i = 0; i < names.length; i++) checkName(names[i]!, "tensor");
  return names;
}

/**
 * The names a subgraph may read from its enclosing graphs: a chain of scopes (one per enclosing graph), so that a
 * subgraph costs the size of its own graph, never a copy of its parents'.
 */
interface Scope {
  names: ReadonlySet<string>;
  parent: Scope | undefined;
}

function inScope(scope: Scope | undefined, name: string): boolean {
  for (let s = scope; s !== undefined; s = s.parent) if (s.names.has(name)) return true;
  return false;
}

/** The scope `pg` opens for its subgraphs: its inputs, constants and node outputs. */
function scopeOf(pg: PGraph, parent: Scope | undefined): Scope {
  const names = new Set<string>();
  for (const t of pg.initializer ?? []) if (t.name) names.add(t.name);
  for (const t of pg.sparse_initializer ?? []) if (t.values?.name) names.add(t.values.name);
  for (const vi of pg.input ?? []) if (vi.name) names.add(vi.name);
  for (const n of pg.node ?? []) for (const o of n.output ?? []) if (o !== "") names.add(o);
  return { names, parent };
}

/**
 * Converts one GraphProto. `outer` holds the names defined by enclosing graphs (undefined for the main graph); a
 * subgraph may read them (itself or through its own subgraphs), lists them in `metadata.outer_scope` (a JSON array)
 * and appends them to `outerReads` (the enclosing graph's list).
 */
function convertGraph(
  pg: PGraph,
  ctx: ParseContext,
  outer: Scope | undefined,
  label: string,
  inputShapes?: Record<string, Shape>,
  outerReads?: string[],
): Graph {
  const what = outer === undefined ? "graph" : `subgraph '${label}'`;
  const pnodes = pg.node ?? [];
  if (pnodes.length > LIMITS.maxNodes) {
    throw new EdgelatError("too_large", `${what} has ${pnodes.length} nodes (limit ${LIMITS.maxNodes})`, { nodes: pnodes.length });
  }
  const tensors = new Map<string, TensorInfo>();
  const addConstant = (t: TensorInfo): void => {
    if (tensors.has(t.name)) {
      throw new EdgelatError("duplicate_producer", `${what}: constant '${t.name}' is defined twice`, { tensor: t.name });
    }
    tensors.set(t.name, t);
    if (t.constant!.external !== undefined) ctx.noteExternal(t.constant!.external.location);
  };

  for (const t of pg.initializer ?? []) {
    addConstant(tensorInfo(t, requireName(t.name, "initializer", what), "initializer", ctx));
  }
  for (const t of pg.sparse_initializer ?? []) {
    addConstant(sparseTensorInfo(t, requireName(t.values?.name, "sparse initializer", what), "initializer", ctx));
  }

  // Runtime inputs (graph inputs that are also initializers are constants with a default value).
  const inputs: string[] = [];
  for (const vi of pg.input ?? []) {
    const name = requireName(vi.name, "input", what);
    const existing = tensors.get(name);
    if (existing?.constant) continue;
    if (existing !== undefined) {
      throw new EdgelatError("duplicate_producer", `${what}: input '${name}' is declared twice`, { tensor: name });
    }
    tensors.set(name, { name, ...typeInfo(vi.type, `input '${name}'`, ctx) });
    inputs.push(name);
  }
  if (inputShapes !== undefined) {
    for (const [name, shape] of Object.entries(inputShapes)) {
      const t = tensors.get(name);
      if (t === undefined || t.constant !== undefined) {
        throw new EdgelatError("invalid_argument", `inputShapes: '${name}' is not an input of the model (inputs: ${inputs.join(", ")})`, {
          input: name,
          inputs,
        });
      }
      if (!Array.isArray(shape)) throw new EdgelatError("invalid_argument", `inputShapes: the shape of '${name}' is not an array`);
      tensors.set(name, { ...t, shape: [...checkShape(shape, `inputShapes.${name}`)] });
    }
  }

  // Nodes: Constant nodes become constants; the others keep their decoded attributes. Subgraphs may read every name
  // this graph defines (computed once, on the first subgraph).
  let scope: Scope | undefined;
  const nestedReads: string[] = []; // names this graph's subgraphs read from outside themselves
  const attrCtx: AttrDecodeContext = {
    tensor: (t, name) => tensorInfo(t, name, "constant-node", ctx),
    sparseTensor: (t, name) => sparseTensorInfo(t, name, "constant-node", ctx),
    graph: (g, sublabel) => convertGraph(g, ctx, (scope ??= scopeOf(pg, outer)), sublabel, undefined, nestedReads),
    warn: ctx.warn,
  };
  const opTypes = new Array<string>(pnodes.length);
  for (let i = 0; i < pnodes.length; i++) {
    const op = pnodes[i]!.op_type;
    // (the message naming the node is only built when the check fails)
    opTypes[i] = op !== undefined && op !== "" && op.length <= MAX_NAME_LENGTH ? op : requireName(op, `op_type of node ${i}`, what);
  }
  const names = nodeNames(pnodes, opTypes);
  const nodes: Node[] = [];
  for (let i = 0; i < pnodes.length; i++) {
    const pn = pnodes[i]!;
    const opType = opTypes[i]!;
    const domain = normalizeDomain(checkName(pn.domain ?? "", "domain"));
    const outputs = checkNames(pn.output);
    if (domain === "" && opType === "Constant") {
      const nodeName = names[i] ?? `Constant_${i}`; // (see nodeNames)
      const out = outputs[0];
      if (out === undefined || out === "" || outputs.length !== 1) {
        throw new EdgelatError("invalid_model", `Constant node '${nodeName}' must have exactly one output`, { node: nodeName });
      }
      addConstant(constantFromNode(pn, nodeName, out, ctx));
      continue;
    }
    const name = names[i]!;
    const attrs: Record<string, AttrValue> = {};
    for (const a of pn.attribute ?? []) {
      const an = checkName(a.name ?? "", "attribute");
      if (an === "" || an === "__proto__") {
        throw new EdgelatError("invalid_attribute", `Node '${name}' has an attribute named '${an}'`, { node: name });
      }
      const v = decodeAttribute(a, name, attrCtx);
      if (v !== undefined) attrs[an] = v;
    }
    const flow = domain === "" ? CONTROL_FLOW.get(opType) : undefined;
    if (flow !== undefined) ctx.warn(`Node '${name}' (${opType}): latency is data-dependent — ${flow}`);
    nodes.push({ name, opType, domain, inputs: checkNames(pn.input), outputs, attrs });
  }

  // Shapes declared for intermediate tensors and outputs (constants and inputs keep what they have).
  const outputs: string[] = [];
  for (const list of [pg.value_info, pg.output]) {
    for (const vi of list ?? []) {
      const name = requireName(vi.name, "value_info", what);
      if (!tensors.has(name)) tensors.set(name, { name, ...typeInfo(vi.type, `tensor '${name}'`, ctx) });
      if (list === pg.output) outputs.push(name);
    }
  }

  const graph: Graph = { name: pg.name || label, format: "onnx", nodes, tensors, inputs, outputs, opsets: { ...ctx.opsets }, metadata: {} };
  if (outer === undefined) {
    if (nodes.length === 0 && outputs.length === 0) {
      throw new EdgelatError("invalid_model", "The model's graph has neither nodes nor outputs (another protobuf message?)");
    }
    return validateOwnedGraph(graph, { namesUnique: true }); // (see nodeNames)
  }

  // A subgraph may read names of enclosing graphs: they must exist there, and count as produced for validation.
  const local = new Set<string>(inputs);
  for (const t of tensors.values()) if (t.constant) local.add(t.name);
  for (const n of nodes) for (const o of n.outputs) local.add(o);
  const outerRefs: string[] = [];
  const seen = new Set<string>();
  const reads = [...nodes.flatMap((n) => n.inputs), ...outputs, ...nestedReads];
  for (const name of reads) {
    if (name === "" || local.has(name) || seen.has(name)) continue;
    seen.add(name);
    if (!inScope(outer, name)) {
      throw new EdgelatError("dangling_tensor", `${what} reads tensor '${name}', which neither it nor an enclosing graph produces`, {
        tensor: name,
      });
    }
    outerRefs.push(name);
    outerReads?.push(name);
  }
  const validated = validateOwnedGraph({ ...graph, inputs: [...inputs, ...outerRefs] }, { namesUnique: true });
  return { ...validated, inputs, metadata: outerRefs.length ? { outer_scope: JSON.stringify(outerRefs) } : {} };
}

/** The IR graph of a decoded ModelProto (which has a graph: `decodeModel` checked). */
export function modelToGraph(model: PModel, opts: ParseOnnxOptions = {}): Graph {
  const pg = model.graph!;
  const opsets = readOpsets(model, pg);
  const metadata = readMetadata(model);
  const warnings = new Set<string>();
  let dropped = 0;
  let symbols = 0;
  const externalFiles = new Set<string>();
  let externalTensors = 0;
  const ctx: ParseContext = {
    warn: (m) => {
      if (warnings.has(m)) return;
      if (warnings.size < MAX_WARNINGS) warnings.add(m);
      else dropped++;
    },
    freshSymbol: () => `?${symbols++}`,
    noteExternal: (location) => {
      externalTensors++;
      externalFiles.add(location);
    },
    opsets,
  };
  if (opts.inputShapes !== undefined && (typeof opts.inputShapes !== "object" || opts.inputShapes === null)) {
    throw new EdgelatError("invalid_argument", "inputShapes must be an object mapping input names to shapes");
  }
  const graph = convertGraph(pg, ctx, undefined, "main", opts.inputShapes);
  const functions = (model.functions ?? []).map((f) => `${f.domain ? `${f.domain}::` : ""}${f.name ?? ""}`);
  if (functions.length > 0) {
    ctx.warn(
      `${functions.length} model-local function(s) (${functions.slice(0, 5).join(", ")}${functions.length > 5 ? ", …" : ""}) are not expanded: nodes calling them are ops without a spec`,
    );
  }
  const notes = [...warnings];
  if (externalTensors > 0) {
    const files = [...externalFiles];
    notes.push(
      `${externalTensors} constant tensor(s) keep their data in external file(s) (${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""}); edgelat never reads them`,
    );
  }
  if (dropped > 0) notes.push(`… and ${dropped} more warning(s)`);
  return { ...graph, metadata, ...(notes.length ? { warnings: notes } : {}) };
}

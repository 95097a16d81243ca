import { EdgelatError } from "../errors.js";
import { validateOwnedGraph } from "./graph.js";
import type { AttrValue, DType, Graph, ModelFormat, Node, Shape, TensorInfo } from "./types.js";

/**
 * Low-level, format-neutral graph construction for code-built models (tests, search spaces, examples).
 * A builder is a local value: nothing global is touched.
 *
 *   const b = new GraphBuilder("tiny");
 *   const x = b.input("x", [1, 3, 32, 32]);
 *   const w = b.constant("w", [8, 3, 3, 3]);
 *   const y = b.op("Conv", [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
 *   b.output(b.op("Relu", [y]));
 *   const graph = b.build();
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  /** The tensors added so far, in order (never shared). */
  private readonly tensorList: TensorInfo[] = [];
  /** The same tensors by name. `build` hands this map to the graph it returns (no copy): see `ownMap`. */
  private tensors = new Map<string, TensorInfo>();
  private handedOut = false;
  /** Set once a node is named by the caller: `fresh` names alone never repeat, so validation need not check them. */
  private namedNodes = false;
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];
  /** Next count per `fresh` prefix (a record, so that one lookup serves both reading and incrementing it). */
  private readonly counters = new Map<string, { n: number }>();
  /** Per op type: its node-name prefix (`opType.toLowerCase()`) and that prefix's counter. */
  private readonly opNames = new Map<string, { prefix: string; counter: { n: number } }>();

  constructor(
    readonly name: string,
    private readonly opsets: Record<string, number> = { "": 17 },
    private readonly format: ModelFormat = "builder",
  ) {}

  /**
   * A fresh name `prefix_N`, unique within this builder: N (digits) follows the last "_", so no two prefixes and
   * counts give the same name.
   */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter(prefix).n++}`;
  }

  private counter(prefix: string): { n: number } {
    let c = this.counters.get(prefix);
    if (c === undefined) {
      c = { n: 0 };
      this.counters.set(prefix, c);
    }
    return c;
  }

  input(name: string, shape: Shape, dtype: DType = "float32"): string {
    this.addTensor({ name, dtype, shape });
    this.inputs.push(name);
    return name;
  }

  /** A constant tensor (a weight): shape and dtype only unless small `values` are given (shape operands). */
  constant(name: string, shape: Shape, dtype: DType = "float32", values?: number[]): string {
    this.addTensor({ name, dtype, shape, constant: values ? { source: "generated", values } : { source: "generated" } });
    return name;
  }

  /** Adds a node and returns its output names (`outputs` names them, or gives their count). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; outputs?: number | string[]; domain?: string } = {},
  ): string[] {
    let name = opts.name;
    if (name === undefined) {
      // (`fresh(opType.toLowerCase())`, with the prefix and its counter looked up once per op type)
      let op = this.opNames.get(opType);
      if (op === undefined) {
        const prefix = opType.toLowerCase();
        op = { prefix, counter: this.counter(prefix) };
        this.opNames.set(opType, op);
      }
      name = `${op.prefix}_${op.counter.n++}`;
    } else this.namedNodes = true;
    let outs: string[];
    if (Array.isArray(opts.outputs)) outs = opts.outputs;
    else {
      const count = opts.outputs ?? 1;
      outs = new Array<string>(count);
      for (let i = 0; i < count; i++) outs[i] = `${name}:${i}`;
    }
    this.nodes.push({ name, opType, domain: opts.domain ?? "", inputs, outputs: outs, attrs });
    return outs;
  }

  /** `node` for the common single-output case. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { name?: string; domain?: string } = {}): string {
    return this.node(opType, inputs, attrs, opts)[0]!;
  }

  output(...names: string[]): void {
    this.outputs.push(...names);
  }

  /** Validates (structure, topological order) and returns the graph. */
  build(): Graph {
    if (this.outputs.length === 0 && this.nodes.length > 0) {
      throw new EdgelatError("invalid_model", `Graph '${this.name}' has no outputs`);
    }
    const tensors = this.ownMap();
    this.handedOut = true;
    return validateOwnedGraph({
      name: this.name,
      format: this.format,
      nodes: this.nodes.slice(),
      tensors,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      opsets: { ...this.opsets },
      metadata: {},
    }, { namesUnique: !this.namedNodes });
  }

  private addTensor(t: TensorInfo): void {
    const tensors = this.ownMap();
    if (tensors.has(t.name)) throw new EdgelatError("duplicate_producer", `Tensor '${t.name}' defined twice`);
    tensors.set(t.name, t);
    this.tensorList.push(t);
  }

  /**
   * The builder's map of its tensors. Once handed to a built graph (whose validation adds entries to it, and whose
   * owner may change it), a new one is made from `tensorList` before the builder changes or builds again.
   */
  private ownMap(): Map<string, TensorInfo> {
    if (this.handedOut) {
      const own = new Map<string, TensorInfo>();
      for (const t of this.tensorList) own.set(t.name, t);
      this.tensors = own;
      this.handedOut = false;
    }
    return this.tensors;
  }
}

/**
 * Control flow. If: the taken branch when the condition is folded, else the shapes both branches agree on (dims that
 * differ become "?"); FLOPs of the taken branch, or the larger branch. Loop: loop-carried values keep their shape when
 * the body preserves it; scan outputs gain a leading trip-count dim, known when M is a constant and the body's
 * condition is constant true or passed through — otherwise the dim is the symbol "loop_trip_count" (data-dependent)
 * and the node is listed as unknown. FLOPs: body FLOPs × trip count (× 1 when the trip count is unknown).
 */
import { EdgelatError } from "../../errors.js";
import type { Dim, Graph, Shape } from "../../ir/types.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, SubgraphResult, TensorType } from "../types.js";
import { hasInput, valuesOf } from "./util.js";

function graphAttr(ctx: OpContext, name: string): Graph {
  const g = ctx.attrs[name];
  if (g === undefined || typeof g !== "object" || Array.isArray(g) || !("nodes" in g)) {
    throw new EdgelatError("invalid_attribute", `${ctx.node.opType} needs a '${name}' subgraph`);
  }
  return g as Graph;
}

function infer(ctx: OpContext, g: Graph, inputs?: (TensorType | undefined)[]): SubgraphResult {
  if (ctx.subgraph === undefined) unknownShape(`${ctx.node.opType} subgraphs need inferShapes`);
  return ctx.subgraph(g, inputs);
}

function copy(t: TensorType | undefined, what: string, r: SubgraphResult): TensorType {
  if (t === undefined || t.shape === undefined) unknownShape(`${what} has unknown shape${r.issues.length ? ` (${r.issues[0]})` : ""}`);
  const c: TensorType = { dtype: t.dtype, shape: t.shape };
  if (t.values !== undefined) c.values = t.values;
  return c;
}

function mergeShapes(a: Shape, b: Shape): Shape | undefined {
  if (a.length !== b.length) return undefined;
  return a.map((d, i) => (d === b[i] ? d : "?"));
}

export const If: OpSpec = {
  opType: "If",
  domain: "",
  category: "control-flow",
  inputs: [{ name: "cond" }],
  attrs: { then_branch: { type: "graph", required: true }, else_branch: { type: "graph", required: true } },
  shape(ctx) {
    const cond = valuesOf(ctx, 0)?.[0];
    const thenG = graphAttr(ctx, "then_branch");
    const elseG = graphAttr(ctx, "else_branch");
    if (cond !== undefined) {
      const r = infer(ctx, cond ? thenG : elseG);
      return r.outputs.map((t, i) => copy(t, `${cond ? "then" : "else"} branch output ${i}`, r));
    }
    const a = infer(ctx, thenG);
    const b = infer(ctx, elseG);
    if (a.outputs.length !== b.outputs.length) throw new EdgelatError("invalid_model", "If branches have different output counts");
    return a.outputs.map((ta, i) => {
      const x = copy(ta, `then branch output ${i}`, a);
      const y = copy(b.outputs[i], `else branch output ${i}`, b);
      const shape = mergeShapes(x.shape!, y.shape!);
      if (shape === undefined) unknownShape(`If branches disagree on the rank of output ${i} (${x.shape!.length} vs ${y.shape!.length})`);
      return { dtype: x.dtype, shape };
    });
  },
  flops(ctx) {
    const cond = valuesOf(ctx, 0)?.[0];
    if (cond !== undefined) return infer(ctx, graphAttr(ctx, cond ? "then_branch" : "else_branch")).flops;
    return Math.max(infer(ctx, graphAttr(ctx, "then_branch")).flops, infer(ctx, graphAttr(ctx, "else_branch")).flops);
  },
};

function loopBody(ctx: OpContext): { body: Graph; result: SubgraphResult; trip: number | undefined } {
  const body = graphAttr(ctx, "body");
  const carried = ctx.inputs.slice(2).map((t) => (t === undefined ? undefined : { dtype: t.dtype, shape: t.shape }));
  const result = infer(ctx, body, [{ dtype: "int64", shape: [] }, { dtype: "bool", shape: [] }, ...carried]);
  const m = hasInput(ctx, 0) ? valuesOf(ctx, 0)?.[0] : undefined;
  const condIn = hasInput(ctx, 1) ? valuesOf(ctx, 1)?.[0] : 1;
  const condOutName = body.outputs[0];
  const condOut = result.outputs[0]?.values?.[0];
  const condStatic = condOut === 1 || (condOutName !== undefined && condOutName === body.inputs[1]);
  const trip = m !== undefined && condIn !== undefined && condIn !== 0 && condStatic ? m : condIn === 0 ? 0 : undefined;
  return { body, result, trip };
}

export const Loop: OpSpec = {
  opType: "Loop",
  domain: "",
  category: "control-flow",
  inputs: [{ name: "M", optional: true }, { name: "cond", optional: true }, { name: "v_initial", optional: true, variadic: true }],
  attrs: { body: { type: "graph", required: true } },
  shape(ctx) {
    const { result, trip } = loopBody(ctx);
    const nCarried = ctx.inputs.length - 2;
    const outs: TensorType[] = [];
    for (let i = 0; i < ctx.node.outputs.length; i++) {
      const bodyOut = copy(result.outputs[i + 1], `Loop body output ${i + 1}`, result);
      delete bodyOut.values;
      if (i < nCarried) {
        const init = ctx.inputs[i + 2];
        const shape = init?.shape !== undefined ? mergeShapes(init.shape, bodyOut.shape!) : undefined;
        if (shape === undefined) unknownShape(`Loop-carried value ${i} changes rank across iterations`);
        outs.push({ dtype: bodyOut.dtype, shape });
      } else {
        const dim: Dim = trip ?? "loop_trip_count";
        outs.push({ dtype: bodyOut.dtype, shape: [dim, ...bodyOut.shape!] });
      }
    }
    return outs;
  },
  flops(ctx) {
    const { result, trip } = loopBody(ctx);
    return result.flops * (trip ?? 1);
  },
};

export const controlSpecs: readonly OpSpec[] = [If, Loop];

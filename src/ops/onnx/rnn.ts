/**
 * Recurrent layers: LSTM (4 gates), GRU (3), RNN (1). X is [seq, batch, input] (layout 0) or [batch, seq, input]
 * (layout 1). Outputs Y [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]), Y_h / Y_c
 * [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]).
 * FLOPs per time step, batch row and direction: 2·G·H·(I + H) for the input and recurrent matmuls, + 2·G·H for the
 * biases and gate activations, + 3·H for the state update (G gates, H hidden, I input).
 */
import type { Dim } from "../../ir/types.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, attrStr, fmt, invalidShape, numel, shapeOf } from "./util.js";

interface RnnGeometry {
  seq: Dim;
  batch: Dim;
  input: Dim;
  hidden: Dim;
  dirs: number;
}

function geometry(ctx: OpContext, gates: number): RnnGeometry {
  const x = shapeOf(ctx, 0);
  const w = shapeOf(ctx, 1);
  if (x.length !== 3 || w.length !== 3) invalidShape(`${ctx.node.opType} needs 3-D X and W, got ${fmt(x)} and ${fmt(w)}`);
  const layout = attrInt(ctx, "layout") ?? 0;
  const [seq, batch] = layout === 0 ? [x[0]!, x[1]!] : [x[1]!, x[0]!];
  const dirs = attrStr(ctx, "direction") === "bidirectional" ? 2 : 1;
  if (typeof w[0] === "number" && w[0] !== dirs) invalidShape(`${ctx.node.opType} W ${fmt(w)} does not have ${dirs} direction(s)`);
  const wh = w[1]!;
  const hidden = attrInt(ctx, "hidden_size") ?? (typeof wh === "number" ? wh / gates : "?");
  if (typeof wh === "number" && typeof hidden === "number" && wh !== gates * hidden) {
    invalidShape(`${ctx.node.opType} W ${fmt(w)} does not hold ${gates} gates of hidden size ${hidden}`);
  }
  return { seq, batch, input: x[2]!, hidden, dirs };
}

function rnn(opType: string, gates: number, stateOutputs: number): OpSpec {
  return {
    opType,
    domain: "",
    category: "other",
    inputs: [
      { name: "X" },
      { name: "W" },
      { name: "R" },
      { name: "B", optional: true },
      { name: "sequence_lens", optional: true },
      { name: "initial_h", optional: true },
      ...(gates === 4 ? [{ name: "initial_c", optional: true }, { name: "P", optional: true }] : []),
    ],
    attrs: {
      direction: { type: "string", default: "forward" },
      hidden_size: { type: "int" },
      layout: { type: "int", default: 0 },
      activations: { type: "strings" },
      clip: { type: "float" },
      linear_before_reset: { type: "int", default: 0 },
      input_forget: { type: "int", default: 0 },
    },
    shape(ctx) {
      const g = geometry(ctx, gates);
      const layout = attrInt(ctx, "layout") ?? 0;
      const dtype = ctx.inputs[0]!.dtype;
      const y: TensorType = { dtype, shape: layout === 0 ? [g.seq, g.dirs, g.batch, g.hidden] : [g.batch, g.seq, g.dirs, g.hidden] };
      const state = (): TensorType => ({ dtype, shape: layout === 0 ? [g.dirs, g.batch, g.hidden] : [g.batch, g.dirs, g.hidden] });
      return ctx.node.outputs.map((_, i) => (i === 0 ? y : i <= stateOutputs ? state() : y));
    },
    flops(ctx) {
      const g = geometry(ctx, gates);
      const steps = numel([g.seq, g.batch, g.input, g.hidden]);
      if (steps === undefined) return 0;
      const [i, h] = [g.input as number, g.hidden as number];
      return (g.seq as number) * (g.batch as number) * g.dirs * (2 * gates * h * (i + h) + 2 * gates * h + 3 * h);
    },
  };
}

export const rnnSpecs: readonly OpSpec[] = [rnn("LSTM", 4, 2), rnn("GRU", 3, 1), rnn("RNN", 1, 1)];

import type { OpSpec } from "../types.js";
import { arraySpecs } from "./array.js";
import { controlSpecs } from "./control.js";
import { convSpecs } from "./conv.js";
import { mathSpecs } from "./math.js";
import { nnSpecs } from "./nn.js";

/**
 * Specs of TF ops (domain "tf", NHWC by default): TF.js graph models keep their TF op names, and the nn-Meter IR and
 * TF.js layers-model parsers lower to the same ops, so one set of specs serves all three. Categories match the ONNX
 * specs' (a TF Conv2D and an ONNX Conv are both "conv"; depthwise is "dwconv"); FLOPs follow the same conventions.
 */
export const tfOpSpecs: readonly OpSpec[] = [...convSpecs, ...mathSpecs, ...arraySpecs, ...nnSpecs, ...controlSpecs];

import { EdgelatError } from "../../errors.js";
import type { DType } from "../../ir/types.js";

/** ONNX TensorProto.DataType codes (as used by Cast `to`, ConstantOfShape, EyeLike, Random* `dtype`). */
export const ONNX_DTYPES: Readonly<Record<number, DType>> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
};

/** The DType of an ONNX data-type attribute (numeric code, or a DType name a builder passed). */
export function onnxDType(code: unknown, what: string): DType {
  if (typeof code === "string") return code as DType;
  const d = typeof code === "number" ? ONNX_DTYPES[code] : undefined;
  if (d === undefined) throw new EdgelatError("invalid_attribute", `${what}: unknown ONNX data type ${JSON.stringify(code)}`);
  return d;
}

import type { DType } from "../ir/types.js";

/** Bytes per element of each dtype (0 for `string` and `unknown`, whose size is not defined). */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
  string: 0,
  complex64: 8,
  complex128: 16,
  unknown: 0,
};

export function isIntegerDType(dtype: DType): boolean {
  switch (dtype) {
    case "int8":
    case "uint8":
    case "int16":
    case "uint16":
    case "int32":
    case "uint32":
    case "int64":
    case "uint64":
    case "bool":
      return true;
    default:
      return false;
  }
}

import { describe, expect, it } from "vitest";
import { codeOfDtype, decodeRaw, dtypeOfCode, encodeRaw, floatToHalf, halfToFloat, rawByteLength } from "./tensor-data.js";

describe("ONNX tensor data", () => {
  it("maps data-type codes to dtypes and back", () => {
    expect([1, 2, 3, 6, 7, 9, 10, 11, 16].map(dtypeOfCode)).toEqual([
      "float32", "uint8", "int8", "int32", "int64", "bool", "float16", "float64", "bfloat16",
    ]);
    expect(dtypeOfCode(17)).toBe("unknown"); // float8e4m3fn: no IR dtype
    expect(dtypeOfCode(undefined)).toBe("unknown");
    expect(codeOfDtype("int64")).toBe(7);
    expect(codeOfDtype("unknown")).toBeUndefined();
  });

  it("knows payload sizes, sub-byte types included", () => {
    expect(rawByteLength(1, 10)).toBe(40);
    expect(rawByteLength(15, 3)).toBe(48); // complex128
    expect(rawByteLength(22, 5)).toBe(3); // int4: two per byte, rounded up
    expect(rawByteLength(8, 5)).toBeUndefined(); // strings have no raw layout
  });

  it("converts half precision exactly where representable", () => {
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [2 ** -24, 0x0001], [0, 0], [Infinity, 0x7c00], [1e6, 0x7c00]];
    for (const [x, bits] of cases) {
      expect(floatToHalf(x)).toBe(bits);
      if (Math.abs(x) <= 65504) expect(halfToFloat(bits)).toBe(x);
    }
    expect(halfToFloat(floatToHalf(0.1))).toBeCloseTo(0.1, 3);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });

  it("round-trips values through raw bytes for every numeric type", () => {
    const cases: [number, number[]][] = [
      [1, [1.5, -2.25, 0]],
      [11, [0.1, -1e300]],
      [10, [1, -0.5, 2048]],
      [16, [1, -2, 256]],
      [2, [0, 255]],
      [3, [-128, 127]],
      [4, [0, 65535]],
      [5, [-32768, 32767]],
      [6, [-(2 ** 31), 2 ** 31 - 1]],
      [12, [0, 2 ** 32 - 1]],
      [7, [-1, 2 ** 40, -(2 ** 50)]],
      [13, [0, 2 ** 52]],
      [9, [1, 0, 1]],
    ];
    for (const [code, values] of cases) expect(decodeRaw(encodeRaw(values, code), code, values.length)).toEqual(values);
  });

  it("clamps int64 beyond 2^53 (INT64_MAX slice ends) to the safe range", () => {
    const bytes = new Uint8Array(16);
    const dv = new DataView(bytes.buffer);
    dv.setBigInt64(0, 9223372036854775807n, true);
    dv.setBigInt64(8, -9223372036854775808n, true);
    expect(decodeRaw(bytes, 7, 2)).toEqual([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
  });

  it("reads unaligned views (raw_data inside a file buffer)", () => {
    const file = new Uint8Array(9);
    file.set(encodeRaw([3.5, -1], 1), 1);
    expect(decodeRaw(file.subarray(1), 1, 2)).toEqual([3.5, -1]);
  });
});

import { describe, expect, it } from "vitest";
import { loadEagleI7Nb201, loadHelpNb201, loadHwNasBenchNb201, loadOneProxyNb201 } from "../src/datasets/nasbench201.js";
import { nb201ArchStrAt } from "../src/spaces/nasbench201.js";
import { DATA } from "./helpers/data.js";

describe.skipIf(!DATA)("NB201 datasets join on the space's own index", () => {
  it("HELP: all 15,625 rows carry the space's arch string for their arch_idx (checked by the reader)", () => {
    const t = loadHelpNb201(DATA);
    expect(t.archIdx.length).toBe(15_625);
    expect(t.archIdx[0]).toBe(0);
    expect(t.devices).toHaveLength(27);
    expect(nb201ArchStrAt(0)).toBe("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
    expect(t.latencyMs.titan_rtx_256![t.archIdx.indexOf(0)]).toBeCloseTo(10.651860237121582, 10);
  });
  it("HW-NAS-Bench, OneProxy, Eagle load and agree with HELP where they overlap", () => {
    const help = loadHelpNb201(DATA);
    const hw = loadHwNasBenchNb201(DATA);
    const op = loadOneProxyNb201(DATA);
    const eagle = loadEagleI7Nb201(DATA);
    expect(hw.archIdx.length).toBe(15_625);
    expect(op.archIdx.length).toBe(1_999);
    expect(eagle.archIdx.length).toBe(15_284);
    const helpRow = new Map<number, number>();
    help.archIdx.forEach((a, i) => helpRow.set(a, i));
    op.archIdx.forEach((a, i) => expect(op.latencyMs.rice_fpga![i]).toBe(help.latencyMs.fpga![helpRow.get(a)!]));
    const eRow = new Map<number, number>();
    eagle.archIdx.forEach((a, i) => eRow.set(a, i));
    op.archIdx.forEach((a, i) => { if (eRow.has(a)) expect(op.latencyMs.eagle_i7![i]).toBe(eagle.latencyMs.eagle_i7_full![eRow.get(a)!]); });
    expect(Number.isNaN(op.latencyMs.rice_edgetpu!.find((v) => Number.isNaN(v)) ?? 0)).toBe(true);
  });
});

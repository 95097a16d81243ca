import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

function io() {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe("edgelat eval (arguments)", () => {
  it("is registered and documents its protocols", async () => {
    const c = io();
    expect(await main(["eval", "--help"], c.io)).toBe(0);
    expect(c.out.join("\n")).toContain("help|help-fbnet|brp|e2e");
  });
  it("rejects an unknown protocol or option with invalid_argument", async () => {
    const a = io();
    expect(await main(["eval", "nope"], a.io)).toBe(1);
    expect(a.err.join("\n")).toContain("[invalid_argument]");
    const b = io();
    expect(await main(["eval", "help", "--seeds", "0"], b.io)).toBe(1);
    expect(b.err.join("\n")).toContain("--seeds");
    const c = io();
    expect(await main(["eval", "brp", "--bogus"], c.io)).toBe(1);
  });
  it("reports a missing data folder as dataset_missing", async () => {
    const c = io();
    expect(await main(["eval", "help", "--data", "/nonexistent-edgelat-data", "--json"], c.io)).toBe(1);
    expect(c.err.join("\n")).toContain("[dataset_missing]");
  });
});

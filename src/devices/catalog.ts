/**
 * The built-in device catalog: profiles trained by `npm run train-devices` from mobile-ml-benchmark and committed as
 * JSON. The JSON is imported statically (so bundles carry it; nothing reads files at run time). Profiles are validated
 * and their predictors instantiated on first use of each id, not at import.
 */
import { EdgelatError } from "../errors.js";
import phoneCpus from "./builtin/phones-cpu.json" with { type: "json" };
import phoneGpus from "./builtin/phones-gpu.json" with { type: "json" };
import { loadDevice } from "./load.js";
import type { Device, DeviceIdentity, DeviceProfileJSON } from "./types.js";

interface Bundle {
  devices: unknown[];
}

function profiles(): DeviceProfileJSON[] {
  return [...(phoneGpus as Bundle).devices, ...(phoneCpus as Bundle).devices] as DeviceProfileJSON[];
}

/** A catalog row: the profile's identity (runtime and version joined, e.g. "tflite 2.10") plus its validation. */
export interface DeviceSummary extends Omit<DeviceIdentity, "runtimeVersion"> {
  id: string;
  name: string;
  backend: string;
  /** Leave-one-family-out validation (fractions), when the profile records it. */
  within10?: number;
  mape?: number;
}

/** Summaries of every built-in device, GPUs first, in catalog order. */
export function listDevices(): DeviceSummary[] {
  return profiles().map((p) => {
    const { runtimeVersion, ...identity } = p.identity;
    const s: DeviceSummary = { id: p.id, name: p.name, ...identity, runtime: `${identity.runtime} ${runtimeVersion}`, backend: p.backend };
    if (p.provenance.validation !== undefined) {
      s.within10 = p.provenance.validation.within10;
      s.mape = p.provenance.validation.mape;
    }
    return s;
  });
}

/** Loaded devices, filled lazily by `getDevice` (a cache of pure, immutable values). */
const loaded = new Map<string, Device>();

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to `n` catalog ids closest to `id` (prefix matches first, then by edit distance). */
export function suggestDevices(id: string, n = 5): string[] {
  const ids = profiles().map((p) => p.id);
  const q = id.toLowerCase();
  return ids
    .map((x) => ({ x, d: (x.startsWith(q) || q.startsWith(x) ? 0 : 1) * 1000 + distance(q, x) }))
    .sort((a, b) => a.d - b.d || (a.x < b.x ? -1 : 1))
    .slice(0, n)
    .map((e) => e.x);
}

/** A built-in device by id (e.g. "pixel4-gpu", "s10-cpu-1large-fp32"). Unknown ids throw `unknown_device`. */
export function getDevice(id: string): Device {
  const hit = loaded.get(id);
  if (hit !== undefined) return hit;
  const json = profiles().find((p) => p.id === id);
  if (json === undefined) {
    const suggestions = suggestDevices(id);
    throw new EdgelatError("unknown_device", `unknown device '${id}'; did you mean ${suggestions.join(", ")}? ('edgelat devices' lists all)`, {
      id,
      suggestions,
    });
  }
  const device = loadDevice(json);
  loaded.set(id, device);
  return device;
}

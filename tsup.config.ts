import { defineConfig } from "tsup";
// @ts-expect-error — plain ESM script without type declarations
import { writeDeviceFiles } from "./scripts/device-files.mjs";

// Everything the core needs (protobufjs, ml-matrix) is bundled: the published package has no runtime dependencies.
// Profiling runtimes (onnxruntime-node, @tensorflow/*) stay external and are imported lazily.
// Two library entries: `edgelat` (index, with the built-in device catalog) and `edgelat/core` (no catalog: bundles of it
// carry no device profiles). Each built-in profile is also written apart as dist/devices/<id>.json (`edgelat/devices/*`).
const external = ["onnxruntime-node", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"];

export default defineConfig([
  {
    entry: { index: "src/index.ts", core: "src/core.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node18",
    noExternal: [/^(?!onnxruntime-node|@tensorflow).*/],
    external,
    onSuccess: async () => {
      writeDeviceFiles("dist/devices");
    },
  },
  {
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node18",
    sourcemap: true,
    banner: { js: "#!/usr/bin/env node" },
    noExternal: [/^(?!onnxruntime-node|@tensorflow).*/],
    external,
  },
]);

import { defineConfig } from "tsup";

// Everything the core needs (protobufjs, ml-matrix) is bundled: the published package has no runtime dependencies.
// Profiling runtimes (onnxruntime-node, @tensorflow/*) stay external and are imported lazily.
const external = ["onnxruntime-node", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"];

export default defineConfig([
  {
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node18",
    noExternal: [/^(?!onnxruntime-node|@tensorflow).*/],
    external,
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

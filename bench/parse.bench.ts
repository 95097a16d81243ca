// Parse + shape inference of each real ONNX corpus model, next to a bare protobuf decode of the same bytes
// (onnx-proto's generated protobufjs decoder: the floor any JS ONNX reader pays). Goal: pipeline within 2× of it.
// Medians of interleaved repetitions; needs `npm run gather-models` first.
import { readFileSync } from "node:fs";
import onnxPkg from "onnx-proto";
import { parseOnnx } from "../src/parsers/onnx/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { corpusModels } from "../test/helpers/corpus.js";
import { median, timeMs } from "./util.js";

const { onnx } = onnxPkg;

export function run(): void {
  const models = corpusModels("onnx");
  if (models.length === 0) {
    console.log("no corpus (run `npm run gather-models`): skipped");
    return;
  }
  console.log("model                      size KiB   decode ms   parse ms   parse+infer ms   ratio");
  const ratios: number[] = [];
  for (const m of models) {
    const bytes = new Uint8Array(readFileSync(m.path));
    const decode: number[] = [], parse: number[] = [], full: number[] = [];
    for (let rep = 0; rep < 40; rep++) {
      if (rep === 10) decode.length = parse.length = full.length = 0; // the first 10 rounds warm up the JIT
      decode.push(timeMs(() => onnx.ModelProto.decode(bytes)));
      parse.push(timeMs(() => parseOnnx(bytes, { inputShapes: m.inputShapes })));
      full.push(timeMs(() => inferShapes(parseOnnx(bytes, { inputShapes: m.inputShapes }))));
    }
    const ratio = median(full) / median(decode);
    ratios.push(ratio);
    console.log(
      `${m.name.padEnd(26)} ${(bytes.length / 1024).toFixed(0).padStart(8)} ${median(decode).toFixed(2).padStart(11)} ${median(parse).toFixed(2).padStart(10)} ${median(full).toFixed(2).padStart(16)} ${ratio.toFixed(2).padStart(7)}×`,
    );
  }
  console.log(`median ratio (parse+infer / bare decode): ${median(ratios).toFixed(2)}×, worst ${Math.max(...ratios).toFixed(2)}×`);
}

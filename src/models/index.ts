/** Reference networks built in code (ONNX ops, NCHW, generated weights): for tests, examples and NAS baselines. */
export { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, type ClassifierNetOptions } from "./mobilenet.js";
export { buildResNet18, buildResNet34, buildResNet50, type ResNetOptions } from "./resnet.js";
export { buildViT, buildViTBlock, type ViTBlockOptions, type ViTOptions } from "./vit.js";
export { Layers, makeDivisible, type Activation, type ConvOptions } from "./layers.js";

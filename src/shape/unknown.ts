/**
 * The one non-error way a shape rule can give up: the output shape depends on data that is not known statically
 * (NonZero, a Reshape target computed from runtime values, a Loop with a data-dependent trip count, …).
 * `inferShapes` catches it, leaves the node's outputs unknown and lists the node in `unknown` with this reason.
 * Invalid models are NOT this: they throw `EdgelatError("invalid_shape" | "invalid_attribute")`.
 */
export class UnknownShape extends Error {
  override readonly name = "UnknownShape";
}

/** Throws `UnknownShape(reason)`; use from shape rules: `return unknownShape("data-dependent output size")`. */
export function unknownShape(reason: string): never {
  throw new UnknownShape(reason);
}

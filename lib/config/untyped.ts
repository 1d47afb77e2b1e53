/**
 * The type of a value read from a rendered Kubernetes object or a parsed
 * document, whose shape the code checks as it reads it: the one place where
 * `any` is written, so that the lint rule against it holds everywhere else.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Untyped = any;

/** A rendered Kubernetes object, or any other JSON object, read field by field. */
export type Obj = Record<string, Untyped>;

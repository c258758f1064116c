export * from "./replay";
export * from "./gauc";
export * from "./snips";
export * from "./rollout-value";
export * from "./pooled-difference";

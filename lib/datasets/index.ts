export * from "./format";
export * from "./manifest";
export * from "./writer";
export * from "./reader";
export * from "./generate";
export * from "./csv";

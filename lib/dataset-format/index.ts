export * from "./format";
export * from "./manifest";
export * from "./writer";
export * from "./reader";
export * from "./generate";
export { CsvImportError } from "./csv-layout";
export * from "./csv-export";
export * from "./csv-import";

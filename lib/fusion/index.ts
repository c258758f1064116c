export * from "./tasks";
export * from "./action";
export * from "./score";

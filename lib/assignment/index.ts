export * from "@/lib/assignment/hash";
export * from "@/lib/assignment/buckets";
export * from "@/lib/assignment/allocation";
export * from "@/lib/assignment/assign";
export * from "@/lib/assignment/ramp";

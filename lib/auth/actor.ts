import type { Role } from "@/lib/auth/roles";

/** Who performs an operation: a signed-in user or an API key. Recorded in the audit log. */
export type Actor =
  | { kind: "user"; userId: string; email: string; role: Role }
  | { kind: "apiKey"; apiKeyId: string; scopes: string[] }
  | { kind: "system" };

export const SYSTEM_ACTOR: Actor = { kind: "system" };

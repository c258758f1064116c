import { z } from "zod";

const trainResult = z.object({ version: z.number().int(), improved: z.boolean().optional() });
const trainPayload = z.object({ policy: z.string() });

/** The policy version a finished train-policy job registered (with its promotion outcome), else null. */
export function registeredVersion(
  type: string,
  payload: unknown,
  result: unknown,
): { policy: string; version: number; improved: boolean | null } | null {
  if (type !== "train-policy") return null;
  const r = trainResult.safeParse(result);
  const p = trainPayload.safeParse(payload);
  return r.success && p.success
    ? { policy: p.data.policy, version: r.data.version, improved: r.data.improved ?? null }
    : null;
}

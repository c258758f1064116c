import { z } from "zod";
import { safeString } from "@/lib/validation";
import { SCORE_NAMES } from "@/lib/fusion";

/** More candidates than this in one request is refused (413): ranking 2,000 is already a large funnel stage. */
export const MAX_CANDIDATES = 2_000;

const score = z.number().min(0, "must be within [0, 1]").max(1, "must be within [0, 1]");
/**
 * Name → number maps (user, item and context features). A hand-written check instead of z.record:
 * a rank request carries ~200 of them, and per-key parsing cost 0.5 ms a request in z.record.
 */
function firstNonNumber(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "(object)";
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== "number" || !Number.isFinite(v)) return key;
  }
  return undefined;
}
const scoresSchema = z.object(Object.fromEntries(SCORE_NAMES.map((n) => [n, score])) as Record<(typeof SCORE_NAMES)[number], typeof score>).catchall(z.number());
const features = z
  .custom<Record<string, number>>((v) => firstNonNumber(v) === undefined, {
    error: (issue) => {
      const key = firstNonNumber(issue.input);
      return key === "(object)" ? "must be an object of feature name → number" : `"${key}" must be a finite number`;
    },
  })
  .optional();

export const rankBody = z.object({
  userId: safeString().min(1, "is required").max(512),
  requestId: safeString().min(1).max(200).optional(),
  context: z
    .object({ sessionId: safeString().max(200).optional() })
    .catchall(z.union([safeString(), z.number(), z.boolean()]))
    .optional(),
  user: z.object({ features }).optional(),
  candidates: z
    .array(z.object({ itemId: safeString().min(1).max(200), scores: scoresSchema, features }))
    .min(1, "give at least one candidate"),
  k: z.number().int().min(1).max(MAX_CANDIDATES).optional(),
});
export type RankBody = z.infer<typeof rankBody>;

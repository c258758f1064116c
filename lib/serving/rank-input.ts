import { z } from "zod";
import { SCORE_NAMES } from "@/lib/fusion";

/** More candidates than this in one request is refused (413): ranking 2,000 is already a large funnel stage. */
export const MAX_CANDIDATES = 2_000;

const score = z.number().min(0, "must be within [0, 1]").max(1, "must be within [0, 1]");
const scoresSchema = z.object(Object.fromEntries(SCORE_NAMES.map((n) => [n, score])) as Record<(typeof SCORE_NAMES)[number], typeof score>).catchall(z.number());
const features = z.record(z.string(), z.number()).optional();

export const rankBody = z.object({
  userId: z.string().min(1, "is required").max(512),
  requestId: z.string().min(1).max(200).optional(),
  context: z
    .object({ sessionId: z.string().max(200).optional() })
    .catchall(z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
  user: z.object({ features }).optional(),
  candidates: z
    .array(z.object({ itemId: z.string().min(1).max(200), scores: scoresSchema, features }))
    .min(1, "give at least one candidate"),
  k: z.number().int().min(1).max(MAX_CANDIDATES).optional(),
});
export type RankBody = z.infer<typeof rankBody>;

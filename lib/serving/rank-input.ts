import { z } from "zod";
import { isSafeText, safeString } from "@/lib/validation";
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
const scoresSchema = z
  .object(Object.fromEntries(SCORE_NAMES.map((n) => [n, score])) as Record<(typeof SCORE_NAMES)[number], typeof score>)
  .catchall(z.number());
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const isText = (v: unknown, min: number, max: number): v is string =>
  typeof v === "string" && v.length >= min && v.length <= max && isSafeText(v);
const isOptionalText = (v: unknown, min: number, max: number) => v === undefined || isText(v, min, max);

function validScores(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const name of SCORE_NAMES) {
    const p = v[name];
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) return false;
  }
  return firstNonNumber(v) === undefined;
}

/**
 * rankBody's rules in one plain pass: zod spends ~0.5 ms on a 200-candidate body, a fifth of the
 * rank path. True only when `raw` certainly satisfies rankBody (a property test holds the two
 * together); on false, rank() runs rankBody itself for its precise 400 naming the field.
 */
export function isValidRankBody(raw: unknown): raw is RankBody {
  if (!isValidRankHeader(raw)) return false;
  const { candidates } = raw as Record<string, unknown>;
  if (!Array.isArray(candidates) || candidates.length === 0) return false;
  for (const c of candidates) {
    if (!isObject(c) || !isText(c.itemId, 1, 200) || !validScores(c.scores)) return false;
    if (c.features !== undefined && firstNonNumber(c.features) !== undefined) return false;
  }
  return true;
}

/** rankBody's rules for everything but the candidates (the byte parser checks those as it reads them). */
export function isValidRankHeader(raw: unknown): boolean {
  if (!isObject(raw) || !isText(raw.userId, 1, 512) || !isOptionalText(raw.requestId, 1, 200)) return false;
  const { context, user, k } = raw;
  if (context !== undefined) {
    if (!isObject(context) || !isOptionalText(context.sessionId, 0, 200)) return false;
    for (const key in context) {
      const v = context[key];
      if (
        key !== "sessionId" &&
        typeof v !== "boolean" &&
        !(typeof v === "number" && Number.isFinite(v)) &&
        !isText(v, 0, Infinity)
      )
        return false;
    }
  }
  if (
    user !== undefined &&
    (!isObject(user) || (user.features !== undefined && firstNonNumber(user.features) !== undefined))
  )
    return false;
  return k === undefined || (Number.isSafeInteger(k) && (k as number) >= 1 && (k as number) <= MAX_CANDIDATES);
}

import { AppError } from "@/lib/errors";
import { parseJson } from "@/lib/http/parse-json";
import { parseRankRequest } from "@/lib/serving/parse-rank-request";
import { isValidRankBody, MAX_CANDIDATES, rankBody } from "@/lib/serving/rank-input";
import { type RankRequest, rankRequestOf } from "@/lib/serving/rank-request";
import { parseInput } from "@/lib/validation";

/**
 * A rank request from the body's bytes (the API) or its parsed JSON (in-process callers): the byte
 * parser when it can read the body, else JSON.parse and rankBody with their precise 4xx errors.
 * Then the rule no schema states: every item id once.
 */
export function readRankRequest(raw: unknown): RankRequest {
  const request = (Buffer.isBuffer(raw) && parseRankRequest(raw)) || generalPath(raw);
  const seen = new Set<string>();
  for (const [i, id] of request.itemIds.entries()) {
    if (seen.has(id))
      throw new AppError("bad_request", `candidates.${i}.itemId: "${id}" appears twice`, [
        { path: `candidates.${i}.itemId`, message: "duplicate item" },
      ]);
    seen.add(id);
  }
  return request;
}

function generalPath(raw: unknown): RankRequest {
  let json = raw;
  if (Buffer.isBuffer(raw))
    try {
      json = parseJson(raw);
    } catch {
      throw new AppError("bad_request", "request body is not valid JSON");
    }
  // Counted before full validation so a huge body is refused cheaply and with the right status.
  const count = (json as { candidates?: unknown[] } | null)?.candidates?.length ?? 0;
  if (count > MAX_CANDIDATES)
    throw new AppError("payload_too_large", `at most ${MAX_CANDIDATES} candidates per request (got ${count})`, [
      { path: "candidates", message: "too many" },
    ]);
  return rankRequestOf(isValidRankBody(json) ? json : parseInput(rankBody, json, "rank request"));
}

import { parseJson } from "@/lib/http/parse-json";
import { rankBody } from "@/lib/serving/rank-input";
import { parseInput } from "@/lib/validation";
import { simulatedRankBodies } from "@/test/support/load";
const bodies = simulatedRankBodies(200, 200).map((b) => Buffer.from(b));
console.log("body bytes", bodies[0].length);
function time(label: string, f: (b: Buffer, i: number) => unknown, reps = 3000) {
  for (let i = 0; i < 300; i++) f(bodies[i % bodies.length], i);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f(bodies[i % bodies.length], i);
  console.log(label, ((performance.now() - t0) / reps).toFixed(3), "ms");
}
const parsed = bodies.map((b) => parseJson(b));
time("parseJson", (b) => parseJson(b));
time("JSON.parse(toString)", (b) => JSON.parse(b.toString()));
time("zod rankBody", (_, i) => parseInput(rankBody, parsed[i % parsed.length]));
time("parse+zod", (b) => parseInput(rankBody, parseJson(b)));
// Columnar form of the same requests.
const columnar = parsed.map((p0) => {
  const p = p0 as { userId: string; requestId: string; context: unknown; user: unknown; k: number; candidates: { itemId: string; scores: Record<string, number>; features: Record<string, number> }[] };
  const c = p.candidates;
  const scoreNames = Object.keys(c[0].scores), featNames = Object.keys(c[0].features);
  return Buffer.from(JSON.stringify({ userId: p.userId, requestId: p.requestId, context: p.context, user: p.user, k: p.k, candidates: {
    itemIds: c.map((x) => x.itemId),
    scores: Object.fromEntries(scoreNames.map((s) => [s, c.map((x) => x.scores[s])])),
    features: Object.fromEntries(featNames.map((s) => [s, c.map((x) => x.features[s])])),
  } }));
});
console.log("columnar bytes", columnar[0].length);
let j = 0;
time("columnar JSON.parse", () => JSON.parse(columnar[j++ % columnar.length].toString()));
time("columnar parseJson", () => parseJson(columnar[j++ % columnar.length]));
time("columnar parse + Float64Array.from each column", () => {
  const p = JSON.parse(columnar[j++ % columnar.length].toString()) as { candidates: { scores: Record<string, number[]>; features: Record<string, number[]> } };
  let s = 0;
  for (const col of [...Object.values(p.candidates.scores), ...Object.values(p.candidates.features)]) { const a = Float64Array.from(col); s += a[0]; }
  return s;
});

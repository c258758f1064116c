import http from "node:http";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import { defaultScenario, World } from "@/lib/simulator";
import { Rng } from "@/lib/random/rng";

/** Request bodies for load tests and benchmarks: realistic rank requests with n candidates. */
export function rankBodies(count: number, candidates: number, seed = "load"): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      userId: `load-user-${rng.int(1_000_000)}`,
      requestId: `r${i}`,
      context: { sessionId: `s${i % 997}` },
      user: { features: { activity: rng.next(), tenure: rng.next() } },
      candidates: Array.from({ length: candidates }, (_, j) => ({
        itemId: `item-${i}-${j}`,
        scores: Object.fromEntries(SCORE_NAMES.map((s) => [s, Math.min(0.999, Math.max(0.001, rng.beta(1, 6)))])),
        features: { quality: rng.next(), freshness: rng.next(), duration: rng.next() },
      })),
      k: 10,
    }),
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * A lean HTTP client for load generation (node:http with keep-alive): on a 2-core machine the load
 * generator shares the CPU with the server, and fetch costs several times more per request.
 */
export function httpClient(baseUrl: string, headers: Record<string, string>, maxSockets = 128) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  // Pass bodies sent many times as Buffers: encoding a 200 KB string per request costs the load
  // generator (which shares the machine with the server) real CPU.
  return (path: string, body: string | Buffer): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: hostname, port, path, method: "POST", agent, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
}

/**
 * Rank request bodies as the simulator's users and items would produce them: real feature names and
 * values (what a trained RL policy expects) and the MTL layer's predicted scores.
 */
export function simulatedRankBodies(count: number, candidates: number, seed = "load"): string[] {
  const world = new World(defaultScenario(), seed);
  const rng = new Rng(`${seed}:bodies`);
  const { layout } = world;
  const dUs = layout.userStatic.length;
  const dI = layout.item.length;
  const preds = new Float32Array(NUM_TASKS);
  return Array.from({ length: count }, (_, i) => {
    const u = rng.int(world.numUsers);
    const userFeatures: Record<string, number> = {};
    layout.userStatic.forEach((name, k) => (userFeatures[name] = world.userStaticFeatures[u * dUs + k]));
    layout.userSession.forEach((name) => (userFeatures[name] = rng.next()));
    return JSON.stringify({
      userId: `sim-user-${u}`,
      requestId: `r${i}`,
      context: { sessionId: `s${u}`, ...Object.fromEntries(layout.context.map((name) => [name, rng.next()])) },
      user: { features: userFeatures },
      candidates: Array.from({ length: candidates }, () => {
        const j = rng.int(world.numItems);
        world.predictedScores(u, j, preds, 0);
        return {
          itemId: `item-${j}-${rng.int(1e9)}`,
          scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, preds[k]])),
          features: Object.fromEntries(layout.item.map((name, k) => [name, world.itemFeatures[j * dI + k]])),
        };
      }),
      k: 10,
    });
  });
}

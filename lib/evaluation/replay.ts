/**
 * Replays logged requests through a policy: each logged row becomes a RequestObservation whose
 * candidates are the row's SHOWN items (the only ones a log records), and the policy fills a
 * decision for it (scores and, for fusion policies, actions). Offline metrics are computed from
 * these decisions and the logged outcomes.
 */
import { ACTION_DIM } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import type { Policy, PolicyDecision, RequestObservation } from "@/lib/simulator/simulator-policy";
import type { LogSource, RequestLog } from "@/lib/rl/logs";

export interface ReplayedChunk {
  log: RequestLog;
  /** Row indices (into `log`) of this chunk, aligned with `decisions`. */
  rows: number[];
  decisions: PolicyDecision[];
}

/** Runs `policy` over every logged request, `chunk` rows per act() call. */
export async function* replay(policy: Policy, source: LogSource, chunk = 256): AsyncGenerator<ReplayedChunk> {
  const S = source.slate;
  const dU = source.layout.user.length;
  const dC = source.layout.context.length;
  const dI = source.layout.item.length;
  const K = NUM_TASKS;
  for await (const log of source.batches()) {
    for (let start = 0; start < log.size; start += chunk) {
      const rows: number[] = [];
      const obs: RequestObservation[] = [];
      const decisions: PolicyDecision[] = [];
      for (let r = start; r < Math.min(log.size, start + chunk); r++) {
        const n = log.numShown[r];
        if (n === 0) continue;
        const action = new Float64Array(n * ACTION_DIM);
        const behaviour = new Float64Array(n * ACTION_DIM);
        rows.push(r);
        obs.push({
          slot: 0,
          sessionId: log.sessionId[r],
          step: log.step[r],
          userId: log.userId[r],
          numCandidates: n,
          userFeatures: log.userFeatures.subarray(r * dU, (r + 1) * dU),
          context: log.context.subarray(r * dC, (r + 1) * dC),
          candidateIds: Int32Array.from({ length: n }, (_, p) => log.itemId[r * S + p]),
          predictions: log.predictions.subarray(r * S * K, (r * S + n) * K),
          itemFeatures: log.itemFeatures.subarray(r * S * dI, (r * S + n) * dI),
          rng: Rng.derive("replay", log.sessionId[r], log.step[r]),
        });
        decisions.push({
          scores: new Float64Array(n),
          action,
          requestAction: action.subarray(0, ACTION_DIM),
          behaviourAction: behaviour,
          requestBehaviourAction: behaviour.subarray(0, ACTION_DIM),
        });
      }
      if (rows.length === 0) continue;
      await policy.act(obs, decisions);
      yield { log, rows, decisions };
    }
  }
}

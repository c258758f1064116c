import { sqlPool } from "@/lib/db/client";
import { processMetrics } from "@/lib/monitoring/process-metrics";

/**
 * Group commit for decisions: while one multi-row INSERT is in flight, the decisions of the rank
 * requests that arrive meanwhile wait and go out together in the next one. At low load a decision is
 * written at once (no timer); under load batches grow by themselves, so the database sees a few
 * commits per round trip instead of one per request. Each request answers only after its row is
 * committed: batching costs latency, never durability, and a server that is stopped finishes (and
 * thereby flushes) the requests it has accepted before it exits.
 */
export interface DecisionRow {
  id: string;
  userId: string;
  requestId: string | null;
  sessionId: string | null;
  experimentId: string | null;
  armKey: string | null;
  policyVersionId: string | null;
  candidateCount: number;
  /** Segment keys (lib/serving/segment-keys.ts), recorded for experiment decisions only. */
  activity: string | null;
  platform: string | null;
  /**
   * The shown items, encoded by the caller (lib/serving/shown-items.ts): one flat buffer per waiting
   * decision instead of hundreds of small objects that the young-generation GC would copy and promote.
   */
  shown: Buffer;
  /** Interleaving decisions only: JSON text of { itemId: armKey } for the shown items (the team of each). */
  teams?: string;
}
type Pending = { row: DecisionRow; resolve: () => void; reject: (err: unknown) => void };

const MAX_BATCH = 500;
// One statement, one commit: a decision and its shown items, with the same `ts` (the transaction's).
const INSERT_DECISIONS = `
  WITH decisions AS (
    INSERT INTO "Decision" (id, ts, "userId", "requestId", "sessionId", "experimentId", "armKey",
      "policyVersionId", "candidateCount", teams, activity, platform)
    SELECT id, CURRENT_TIMESTAMP, u, r, s, e, a, p, c, tm, ac, pl FROM unnest($1::uuid[], $2::text[], $3::text[],
      $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::int[], $10::jsonb[], $11::text[], $12::text[]) AS t(id,
        u, r, s, e, a, p, c, tm, ac, pl)
  )
  INSERT INTO "DecisionItems" ("decisionId", ts, shown) SELECT id, CURRENT_TIMESTAMP, shown FROM
    unnest($1::uuid[], $9::bytea[]) AS t(id, shown)`;

class DecisionWriter {
  private queue: Pending[] = [];
  private flushing = false;

  write(row: DecisionRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      // setImmediate: the requests handled in this turn of the event loop share the INSERT.
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) {
      this.flushing = false;
      return;
    }
    processMetrics.decisionBatchSize.observe(batch.length);
    insert(batch)
      .then(
        () => {
          processMetrics.decisionsWritten.inc(batch.length);
          batch.forEach((p) => p.resolve());
        },
        // One row the database refuses must not fail its neighbours: retry each row on its own, so
        // only the bad one is rejected (a rare path; valid input never gets here).
        async (err: unknown) => {
          if (batch.length === 1) batch[0].reject(err);
          else
            await Promise.all(
              batch.map((p) => insert([p]).then(() => (processMetrics.decisionsWritten.inc(), p.resolve()), p.reject)),
            );
        },
      )
      .finally(() => this.flush());
  }
}

/** One INSERT over arrays, straight on the pool (Prisma's per-query cost shows at 200 requests/s). */
async function insert(batch: Pending[]): Promise<void> {
  const rows = batch.map((p) => p.row);
  // Named: each pool connection parses and plans the statement once, not on every batch.
  await sqlPool().query({
    name: "insert-decisions",
    text: INSERT_DECISIONS,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.userId),
      rows.map((r) => r.requestId),
      rows.map((r) => r.sessionId),
      rows.map((r) => r.experimentId),
      rows.map((r) => r.armKey),
      rows.map((r) => r.policyVersionId),
      rows.map((r) => r.candidateCount),
      rows.map((r) => r.shown),
      rows.map((r) => r.teams ?? null),
      rows.map((r) => r.activity),
      rows.map((r) => r.platform),
    ],
  });
}
// One writer per process, shared across Next.js bundles.
const shared = globalThis as unknown as { fusionlabDecisionWriter?: DecisionWriter };
export const decisionWriter: DecisionWriter = (shared.fusionlabDecisionWriter ??= new DecisionWriter());

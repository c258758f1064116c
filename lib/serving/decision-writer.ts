import { db } from "@/lib/db/client";

/**
 * Group commit for decisions: rank requests that arrive within a few milliseconds are written in
 * one multi-row INSERT, and each request answers only after its row is committed. So batching costs
 * a few ms of latency, never durability: an acknowledged decision is in the database, and a server
 * that is stopped finishes (and thereby flushes) the requests it has accepted before it exits.
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
  items: unknown;
}
type Pending = { row: DecisionRow; resolve: () => void; reject: (err: unknown) => void };

const MAX_BATCH = 500;
const WAIT_MS = 2;

class DecisionWriter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;

  write(row: DecisionRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), WAIT_MS);
    });
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    // One INSERT over arrays (cheaper than a Prisma createMany on the hot path).
    const rows = batch.map((p) => p.row);
    db.$executeRaw`
      INSERT INTO "Decision" (id, "userId", "requestId", "sessionId", "experimentId", "armKey", "policyVersionId", "candidateCount", items)
      SELECT * FROM unnest(
        ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.userId)}::text[], ${rows.map((r) => r.requestId)}::text[],
        ${rows.map((r) => r.sessionId)}::text[], ${rows.map((r) => r.experimentId)}::uuid[], ${rows.map((r) => r.armKey)}::text[],
        ${rows.map((r) => r.policyVersionId)}::uuid[], ${rows.map((r) => r.candidateCount)}::int[], ${rows.map((r) => JSON.stringify(r.items))}::jsonb[])`
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        if (this.queue.length > 0) this.timer ??= setTimeout(() => this.flushNow(), 0);
      });
  }
}

// One writer per process, shared across Next.js bundles.
const shared = globalThis as unknown as { fusionlabDecisionWriter?: DecisionWriter };
export const decisionWriter: DecisionWriter = (shared.fusionlabDecisionWriter ??= new DecisionWriter());

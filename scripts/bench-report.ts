/**
 * npm run bench:report -- --users N — how the uplift report scales with an experiment's size.
 * Starts the platform (`npm start`: one web process, one worker) on a throw-away embedded
 * PostgreSQL, creates and starts a two-arm experiment through the API, then writes its traffic
 * straight into the database with INSERT … SELECT over generate_series (far faster than the API;
 * user ranges over one connection per core, the tables' keys and indexes built after the load):
 * N users × 5 sessions × 4 rank requests over 7 days (each user active on 5 of them), ~3 events per
 * request (impression, play with seconds, valid play, long view, like, follow, comment, forward,
 * hate at realistic rates; a small treatment effect), and a pre-period of 2 requests' worth of
 * events per user in the 14 days before the start (CUPED). It runs the rollup-reports job through
 * the job API, then times the first (cold) and a repeated (warm, cached) GET …/report over HTTP
 * and reads the web process's peak RSS (VmHWM). Prints one JSON line
 * {users, decisions, events, coldMs, warmMs, webRssMb, …} and writes bench/results/report-<N>.json.
 * Options: --users (default 100000); --explain prints the report statement's EXPLAIN ANALYZE after
 * the timed requests; --compare R times the report's statistics R more times each as one statement and split by users
 * (lib/reports/report-statistics.ts), alternately in this process on the same data ("compare" in the JSON line).
 * The throw-away database is removed at the end.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { processTree, startBenchPlatform } from "@/test/support/platform";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    explain: { type: "boolean", default: false },
    compare: { type: "string", default: "0" },
  },
});
const compareRounds = Number(values.compare);
if (!Number.isInteger(compareRounds) || compareRounds < 0) throw new Error("--compare must be an integer ≥ 0");
const users = Number(values.users);
if (!Number.isInteger(users) || users < 100) throw new Error("--users must be an integer ≥ 100");
const KEY = "flk_bench_report_key_00000000000000";
const DAYS = 7;
/** The users are written in this many ranges (a fixed number, so that the seeded data never depend on the cores). */
const LOAD_CHUNKS = 8;

const bench = await startBenchPlatform({
  FUSIONLAB_API_KEY: KEY,
  FUSIONLAB_WORKERS: "1",
  FUSIONLAB_WEB_PROCESSES: "1",
});
const { platform, databaseUrl } = bench;

async function api(method: string, p: string, body?: unknown) {
  const res = await fetch(`${platform.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Peak resident memory of the web process(es), MB. */
function webPeakRssMb(): number {
  let peak = 0;
  for (const pid of processTree(platform.proc.pid!)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("web.ts")) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // gone meanwhile
    }
  }
  return Math.round(peak);
}

/** Users `from`..`to` (inclusive): their decisions, their events and their pre-period events. */
async function loadUsers(c: pg.Client, experimentId: string, start: string, from: number, to: number) {
  const users = `generate_series(${from}, ${to}) u`;
  // Decisions: user u, session s (0-4) on day (u % 3 + s), request r (0-3); ids derived so events can cite them.
  await c.query(
    `INSERT INTO "Decision" (id, ts, "userId", "requestId", "sessionId", "experimentId", "armKey", "candidateCount")
     SELECT CAST(md5(u || '-' || s || '-' || r) AS uuid),
       $2::timestamp + (u % 3 + s) * INTERVAL '1 day' + (u % 72000) * INTERVAL '1 second' + r * INTERVAL '30 seconds',
       'user-' || u, NULL, 'user-' || u || '-' || s, $1::uuid, CASE WHEN u % 2 = 0 THEN 'control' ELSE
         'treatment' END, 200
     FROM ${users}, generate_series(0, 4) s, generate_series(0, 3) r`,
    [experimentId, start],
  );
  // Event mix per rank request (probabilities), ~2.9 events: the treatment plays slightly more.
  const mix =
    `(VALUES ('impression', 1.0), ('play', 0.9), ('valid_play', 0.5), ('long_view', 0.3), ('like', ` +
    `0.1), ('follow', 0.02), ('comment', 0.03), ('forward', 0.02), ('hate', 0.03)) AS m(type, p)`;
  await c.query(
    `INSERT INTO "Event" ("eventId", "decisionId", "userId", "itemId", type, value, ts, "receivedAt",
      "experimentId", "armKey")
     SELECT 'e-' || u || '-' || s || '-' || r || '-' || m.type, CAST(md5(u || '-' || s || '-' || r) AS uuid),
       'user-' || u, 'item-' || ((u * 7 + r) % 5000), m.type,
       CASE WHEN m.type = 'play' THEN round(CAST(random() * 60 + (u % 10) AS numeric), 1) ELSE 1 END, d.ts +
         INTERVAL '5 seconds', d.ts + INTERVAL '6 seconds', $1::uuid,
       CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END
     FROM ${users} CROSS JOIN generate_series(0, 4) s CROSS JOIN generate_series(0, 3) r
       CROSS JOIN LATERAL (SELECT $2::timestamp + (u % 3 + s) * INTERVAL '1 day' + (u % 72000) * INTERVAL '1 second'
         + r * INTERVAL '30 seconds' AS ts) d
       CROSS JOIN ${mix}
     WHERE random() < m.p * CASE WHEN u % 2 = 1 AND m.type IN ('play', 'valid_play') THEN 1.04 ELSE 1 END * (0.6
       + (u % 10) * 0.08)`,
    [experimentId, start],
  );
  // Pre-period: outside any experiment, two requests' worth per user, correlated with the user's level (u % 10).
  await c.query(
    `INSERT INTO "Event" ("eventId", "userId", type, value, ts, "receivedAt")
     SELECT 'pre-' || u || '-' || r || '-' || m.type, 'user-' || u, m.type, CASE WHEN m.type = 'play' THEN
       round(CAST(random() * 60 + (u % 10) AS numeric), 1) ELSE 1 END,
       $1::timestamp - (1 + u % 13) * INTERVAL '1 day' + r * INTERVAL '1 minute', $1::timestamp - (1 + u % 13) *
         INTERVAL '1 day' + r * INTERVAL '1 minute' + INTERVAL '1 second'
     FROM ${users} CROSS JOIN generate_series(0, 1) r CROSS JOIN ${mix}
     WHERE random() < m.p * (0.6 + (u % 10) * 0.08)`,
    [start],
  );
}

type Keys = { table: string; constraints: { name: string; def: string; foreign: boolean }[]; indexes: string[] };

/**
 * Drops the tables' constraints and other indexes (partitioned tables: on every partition too); returns how to rebuild
 * them.
 */
async function dropKeys(c: pg.Client, tables: string[]): Promise<Keys[]> {
  const out: Keys[] = [];
  for (const table of tables) {
    const { rows: constraints } = await c.query<{ name: string; def: string; foreign: boolean }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def, contype = 'f' AS foreign FROM pg_constraint
       WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype = 'f'`,
      [`"${table}"`],
    );
    const { rows: indexes } = await c.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid =
         x.indexrelid AND k.conrelid = x.indrelid)`,
      [`"${table}"`],
    );
    for (const k of [...constraints].reverse()) await c.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${k.name}"`);
    for (const i of indexes) await c.query(`DROP INDEX "${i.name}"`);
    out.push({ table, constraints, indexes: indexes.map((i) => i.def) });
  }
  return out;
}

/** Rebuilds what dropKeys dropped: keys, then indexes, then foreign keys (checked in one join each). */
async function restoreKeys(c: pg.Client, keys: Keys[]) {
  await c.query(`SET maintenance_work_mem = '512MB'`);
  for (const { table, constraints, indexes } of keys) {
    for (const k of constraints.filter((k) => !k.foreign))
      await c.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${k.name}" ${k.def}`);
    // pg_get_indexdef says "ON ONLY" for a partitioned table's index: built so, it would cover no partition.
    for (const def of indexes) await c.query(def.replace(" ON ONLY ", " ON "));
    for (const k of constraints.filter((k) => k.foreign))
      await c.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${k.name}" ${k.def}`);
  }
}

const sql = new pg.Client({ connectionString: databaseUrl });
try {
  await sql.connect();
  await api("POST", "/api/v1/layers", { key: "bench", name: "Bench" });
  const exp = await api("POST", "/api/v1/experiments", {
    key: "bench-report",
    name: "Report at scale",
    layer: "bench",
    primaryMetric: "valid_consumption",
    guardrailMetrics: ["duration"],
    arms: [
      { key: "control", control: true, weight: 0.5 },
      { key: "treatment", weight: 0.5 },
    ],
  });
  await api("POST", `/api/v1/experiments/${exp.id}/start`);
  const t0 = Date.now();
  // The experiment ran for the last DAYS whole days (today stays empty: a live tail is another matter).
  const {
    rows: [{ start }],
  } = await sql.query<{ start: string }>(`SELECT to_char(CURRENT_DATE - ${DAYS}, 'YYYY-MM-DD') AS start`);
  await sql.query(`UPDATE "Experiment" SET "startedAt" = $2::timestamp WHERE id = $1::uuid`, [exp.id, start]);
  // Bulk load: the tables' indexes and constraints go while rows are written and are built once
  // afterwards (a sort per index instead of ~60 random B-tree inserts per user, most of them
  // missing the cache at 1M users), and the users are written in LOAD_CHUNKS ranges over as many
  // connections as there are cores. Each range seeds its own random(), so the data do not depend
  // on how many ran at once.
  const keys = await dropKeys(sql, ["Decision", "Event"]);
  const chunk = Math.ceil(users / LOAD_CHUNKS);
  let nextChunk = 0;
  await Promise.all(
    Array.from({ length: Math.min(os.cpus().length, LOAD_CHUNKS) }, async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        await c.query(`SET synchronous_commit = off`);
        for (let i = nextChunk++; i < LOAD_CHUNKS; i = nextChunk++) {
          const [from, to] = [i * chunk + 1, Math.min(users, (i + 1) * chunk)];
          if (from > to) continue;
          await c.query(`SELECT setseed($1)`, [(i + 1) / (LOAD_CHUNKS + 1)]);
          await loadUsers(c, exp.id as string, start, from, to);
        }
      } finally {
        await c.end();
      }
    }),
  );
  await restoreKeys(sql, keys);
  await sql.query(`ANALYZE "Decision"`);
  await sql.query(`ANALYZE "Event"`);
  const loadMs = Date.now() - t0;
  const {
    rows: [counts],
  } = await sql.query<{ decisions: string; events: string }>(
    `SELECT (SELECT count(*) FROM "Decision") AS decisions, (SELECT count(*) FROM "Event" WHERE "experimentId" IS ` +
      `NOT NULL) AS events`,
  );

  // The generated rows are back-dated (ts, receivedAt): a scheduled rollup that ran during a long
  // load has moved the watermark past them, so the rollup starts over from the generated data.
  for (const table of ["ReportWatermark", "ReportUserDay", "ReportPrePeriod"])
    await sql.query(`DELETE FROM "${table}" WHERE "experimentId" = $1::uuid`, [exp.id]);
  const t1 = Date.now();
  const job = await api("POST", "/api/v1/jobs", { type: "rollup-reports", payload: { experimentId: exp.id } });
  let rolled: unknown;
  for (;;) {
    const j = await api("GET", `/api/v1/jobs/${job.id}`);
    if (j.state === "completed") {
      rolled = j.result;
      break;
    }
    if (j.state === "failed" || j.state === "cancelled") throw new Error(`rollup failed: ${j.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const rollupMs = Date.now() - t1;
  await sql.query(`ANALYZE "ReportUserDay"`);
  await sql.query(`ANALYZE "ReportPrePeriod"`);

  const rssBefore = webPeakRssMb();
  const timed = async () => {
    const t = performance.now();
    const report = await api("GET", `/api/v1/experiments/${exp.id}/report`);
    return { ms: Math.round(performance.now() - t), report };
  };
  const cold = await timed();
  const warm = await timed();
  const arms = cold.report.arms as {
    key: string;
    users: number;
    metrics: Record<string, { mean: number | null; lift?: number | null; cuped?: { lift: number } | null }>;
  }[];
  if (arms.reduce((s, a) => s + a.users, 0) !== users)
    throw new Error(
      `report counts ${arms.map((a) => a.users).join(" + ")} users, expected ${users}; ` +
        `rollup: ${JSON.stringify(rolled)}`,
    );
  const treatment = arms.find((a) => a.key === "treatment")!;
  const result = {
    users,
    decisions: Number(counts.decisions),
    events: Number(counts.events),
    coldMs: cold.ms,
    warmMs: warm.ms,
    webRssMb: webPeakRssMb(),
    webRssBeforeReportMb: rssBefore,
    loadMs,
    rollupMs,
    rollup: rolled,
    validConsumptionLift: treatment.metrics.valid_consumption.lift,
    validConsumptionCupedLift: treatment.metrics.valid_consumption.cuped?.lift ?? null,
    seriesDays: (cold.report.series as Record<string, unknown[]>).valid_consumption.length,
  };
  if (compareRounds > 0) {
    process.env.DATABASE_URL = databaseUrl;
    const { reportStatistics } = await import("@/lib/reports/report-statistics");
    const { metricDefinitions } = await import("@/lib/metrics/metric-catalogue");
    const keys = cold.report.metrics as string[];
    const definitions = await metricDefinitions(keys);
    const {
      rows: [e],
    } = await sql.query<{ id: string; startedAt: Date; stoppedAt: Date | null; attributionWindowDays: number | null }>(
      `SELECT id, "startedAt", "stoppedAt", "attributionWindowDays" FROM "Experiment" WHERE id = $1::uuid`,
      [exp.id],
    );
    const time = async (split: { parts?: number }) => {
      const t = performance.now();
      await reportStatistics(e, definitions, ["control", "treatment"], keys[0], split);
      return Math.round(performance.now() - t);
    };
    const compare = { oneStatementMs: [] as number[], splitMs: [] as number[] };
    for (let i = 0; i < compareRounds; i++) {
      compare.oneStatementMs.push(await time({ parts: 1 }));
      compare.splitMs.push(await time({}));
    }
    Object.assign(result, { compare });
    await (await import("@/lib/db/client")).disconnectDb();
  }
  if (values.explain) {
    process.env.DATABASE_URL = databaseUrl;
    const { reportSql } = await import("@/lib/reports/report-sql");
    const { metricDefinitions } = await import("@/lib/metrics/metric-catalogue");
    const { text } = reportSql({
      metrics: await metricDefinitions(cold.report.metrics as string[]),
      armKeys: ["control", "treatment"],
      pre: "rollup",
      rules: { stoppedAt: null, attributionWindowDays: null },
      segmentMetric: (cold.report.metrics as string[])[0],
    });
    const wm = (
      await sql.query(
        `SELECT to_char("exposureThrough", 'YYYY-MM-DD') AS d,
           to_char("feedbackBefore", 'YYYY-MM-DD HH24:MI:SS.MS') AS t FROM "ReportWatermark"`,
      )
    ).rows[0] as { d: string; t: string };
    await sql.query(`SET work_mem = '128MB'`);
    const plan = await sql.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, [exp.id, wm.d, wm.t]);
    console.error(plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n"));
  }
  fs.mkdirSync("bench/results", { recursive: true });
  fs.writeFileSync(path.join("bench", "results", `report-${users}.json`), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
} finally {
  await sql.end().catch(() => undefined);
  await bench.stop();
}

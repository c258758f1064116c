/**
 * CSV logs in the KuaiRand layout: ONE ROW PER SHOWN ITEM, rows of a request contiguous and in
 * rank order, requests of a session contiguous and in step order.
 *
 * Columns (any order; unknown columns such as KuaiRand's `date`, `hourmin` or `tab` are ignored):
 *   required  user_id, video_id, time_ms, is_click, long_view, is_like, is_follow, is_comment,
 *             is_forward, is_hate, play_time_ms, duration_ms, session_id, step,
 *             pClick, pLongView, pLike, pFollow, pComment, pForward, pWatchTime
 *   optional  position (checked to be 0, 1, … within the request), viewed (default 1),
 *             done (default: 1 on the last request of each session),
 *             u_<name>   static user feature   (must be the same on every row of a user)
 *             s_<name>   in-session user feature (same on every row of a request)
 *             c_<name>   context feature       (same on every row of a request)
 *             i_<name>   item feature          (must be the same on every row of a video)
 *             req_act_<w_…|b_…>, req_beh_<…>   one fusion action per request (same on its rows)
 *             act_<w_…|b_…>, beh_<…>           one fusion action per shown item
 *   (all 14 action columns of a kind or none; behaviour defaults to the action taken.)
 * Rewards are not read: they are recomputed from the responses with the given reward weights,
 * exactly as the simulator computes them.
 *
 * `exportCsv` writes a dataset in this layout and `importCsv` reads it back into identical
 * training tensors. Import streams the file, reports the first bad row with its line number, and
 * writes through DatasetWriter, so a failed import leaves no dataset behind.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import path from "node:path";
import { ACTION_DIM, ACTION_NAMES } from "@/lib/fusion/action";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion/tasks";
import { rewardOther, rewardWatch } from "@/lib/simulator/outcome";
import type { ActionMode } from "@/lib/simulator/policy";
import { defaultScenario, type RewardWeights } from "@/lib/simulator/scenario";
import { FLAG_FIELDS, REQUEST_COLUMNS, RequestTable, actionWidth, type DatasetDims } from "./format";
import type { DatasetManifest } from "./manifest";
import { openDataset } from "./reader";
import { DatasetWriter, FeatureConflictError } from "./writer";

const FLAG_COLUMNS = FLAG_FIELDS.map((f) => REQUEST_COLUMNS[f].name);
const LEADING = [
  "user_id",
  "video_id",
  "time_ms",
  ...FLAG_COLUMNS,
  "play_time_ms",
  "duration_ms",
  "session_id",
  "step",
] as const;
const REQUIRED = [...LEADING, ...SCORE_NAMES];
const FEATURE_PREFIXES = { userStatic: "u_", userSession: "s_", context: "c_", item: "i_" } as const;
const ACTION_PREFIXES = {
  request: { taken: "req_act_", behaviour: "req_beh_" },
  candidate: { taken: "act_", behaviour: "beh_" },
} as const;

/** Shortest decimal that reads back as the same float32 (so CSV → f32 round-trips exactly). */
function f32String(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toPrecision(9);
}

/** Writes a dataset as KuaiRand-layout CSV (streaming); returns the number of data rows. */
export async function exportCsv(datasetDir: string, csvPath: string): Promise<{ rows: number }> {
  const reader = await openDataset(datasetDir);
  const { dims, names, actionMode } = reader.manifest;
  const actionCols =
    actionMode === "none"
      ? []
      : [ACTION_PREFIXES[actionMode].taken, ACTION_PREFIXES[actionMode].behaviour].flatMap((p) =>
          ACTION_NAMES.map((n) => p + n),
        );
  const header = [
    ...LEADING,
    "position",
    "done",
    "viewed",
    ...SCORE_NAMES,
    ...names.userStatic.map((n) => FEATURE_PREFIXES.userStatic + n),
    ...names.userSession.map((n) => FEATURE_PREFIXES.userSession + n),
    ...names.context.map((n) => FEATURE_PREFIXES.context + n),
    ...names.item.map((n) => FEATURE_PREFIXES.item + n),
    ...actionCols,
  ];
  const out = createWriteStream(csvPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  let rows = 0;
  try {
    await write(header.join(",") + "\n");
    const S = dims.slate;
    const K = dims.tasks;
    const dU = dims.userStatic + dims.userSession;
    const A = dims.actionWidth;
    for await (const b of reader.batches()) {
      const lines: string[] = [];
      for (let r = 0; r < b.size; r++) {
        const user = Array.from(b.userFeatures.subarray(r * dU, (r + 1) * dU), f32String).join(",");
        const ctx = Array.from(b.context.subarray(r * dims.context, (r + 1) * dims.context), f32String).join(",");
        const actionSlice = (arr: Float32Array, p: number) =>
          actionMode === "request"
            ? arr.subarray(r * A, (r + 1) * A)
            : arr.subarray(r * A + p * ACTION_DIM, r * A + (p + 1) * ACTION_DIM);
        for (let p = 0; p < b.numShown[r]; p++) {
          const i = r * S + p;
          const fields: (string | number)[] = [
            b.userId[r],
            b.itemId[i],
            b.timeMs[i],
            ...FLAG_FIELDS.map((f) => b[f][i]),
            b.playTimeMs[i],
            b.durationMs[i],
            b.sessionId[r],
            b.step[r],
            p,
            b.done[r],
            b.viewed[i],
            ...Array.from(b.predictions.subarray(i * K, (i + 1) * K), f32String),
          ];
          if (user) fields.push(user);
          if (ctx) fields.push(ctx);
          if (dims.item)
            fields.push(Array.from(b.itemFeatures.subarray(i * dims.item, (i + 1) * dims.item), f32String).join(","));
          if (A)
            fields.push(
              Array.from(actionSlice(b.action, p), f32String).join(","),
              Array.from(actionSlice(b.behaviourAction, p), f32String).join(","),
            );
          lines.push(fields.join(","));
          rows++;
        }
      }
      await write(lines.join("\n") + "\n");
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return { rows };
}

/** A rejected CSV row: `line` is 1-based and counts the header. */
export class CsvImportError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvImportError";
  }
}

export interface ImportCsvOptions {
  csvPath: string;
  outDir: string;
  /** Most items one request may have (the dataset's slate width). Default 5. */
  slate?: number;
  /** Weights the rewards are computed with. Default: the default scenario's. */
  rewardWeights?: RewardWeights;
  shardRows?: number;
  /** Longest line accepted, in bytes (default 64 KiB): a longer one is rejected without being held in memory. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_CSV_LINE_BYTES = 64 << 10;

/**
 * The lines of a file, streamed; a line longer than `maxBytes` is refused as soon as it grows past
 * the limit (node:readline would build the whole line first, however long).
 */
async function* readLines(file: string, maxBytes: number): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const take = (tail: Buffer) => {
    const line = Buffer.concat([...pending, tail]).toString("utf8");
    pending = [];
    pendingBytes = 0;
    lineNo++;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (pendingBytes + nl - start > maxBytes)
        throw new CsvImportError(lineNo + 1, `line is longer than ${maxBytes} bytes`);
      yield take(chunk.subarray(start, nl));
      start = nl + 1;
    }
    pendingBytes += chunk.length - start;
    if (pendingBytes > maxBytes) throw new CsvImportError(lineNo + 1, `line is longer than ${maxBytes} bytes`);
    // A copy: the stream may reuse its chunk's memory.
    if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
  }
  if (pendingBytes > 0) yield take(Buffer.alloc(0));
}

/** Splits one CSV line; quoted fields (RFC 4180, no embedded newlines) take the slow path. */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

interface Layout {
  index: Map<string, number>;
  dims: DatasetDims;
  actionMode: ActionMode;
  names: { userStatic: string[]; userSession: string[]; context: string[]; item: string[] };
  featureCols: { userStatic: number[]; userSession: number[]; context: number[]; item: number[] };
  actionCols: { taken: number[]; behaviour: number[] };
}

function parseHeader(header: string[], slate: number): Layout {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (index.has(h)) throw new CsvImportError(1, `duplicate column ${h}`);
    index.set(h, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length) throw new CsvImportError(1, `missing required column(s): ${missing.join(", ")}`);
  const byPrefix = (prefix: string) => header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith(prefix));
  const features = Object.fromEntries(Object.entries(FEATURE_PREFIXES).map(([k, p]) => [k, byPrefix(p)])) as Record<
    keyof typeof FEATURE_PREFIXES,
    (readonly [string, number])[]
  >;
  const actionsOf = (prefix: string) => {
    const found = ACTION_NAMES.filter((n) => index.has(prefix + n));
    if (found.length && found.length !== ACTION_DIM)
      throw new CsvImportError(1, `columns ${prefix}*: need all of ${ACTION_NAMES.map((n) => prefix + n).join(", ")}`);
    return found.length ? ACTION_NAMES.map((n) => index.get(prefix + n) as number) : [];
  };
  const req = {
    taken: actionsOf(ACTION_PREFIXES.request.taken),
    behaviour: actionsOf(ACTION_PREFIXES.request.behaviour),
  };
  const cand = {
    taken: actionsOf(ACTION_PREFIXES.candidate.taken),
    behaviour: actionsOf(ACTION_PREFIXES.candidate.behaviour),
  };
  if (req.taken.length && cand.taken.length)
    throw new CsvImportError(1, "both per-request (req_act_*) and per-item (act_*) action columns present");
  if ((req.behaviour.length && !req.taken.length) || (cand.behaviour.length && !cand.taken.length)) {
    throw new CsvImportError(1, "behaviour action columns without the taken action columns");
  }
  const actionMode: ActionMode = req.taken.length ? "request" : cand.taken.length ? "candidate" : "none";
  const actions = actionMode === "request" ? req : cand;
  const strip = (list: (readonly [string, number])[], prefix: string) => list.map(([h]) => h.slice(prefix.length));
  return {
    index,
    actionMode,
    dims: {
      slate,
      tasks: NUM_TASKS,
      userStatic: features.userStatic.length,
      userSession: features.userSession.length,
      context: features.context.length,
      item: features.item.length,
      actionWidth: actionWidth(actionMode, slate),
    },
    names: {
      userStatic: strip(features.userStatic, FEATURE_PREFIXES.userStatic),
      userSession: strip(features.userSession, FEATURE_PREFIXES.userSession),
      context: strip(features.context, FEATURE_PREFIXES.context),
      item: strip(features.item, FEATURE_PREFIXES.item),
    },
    featureCols: {
      userStatic: features.userStatic.map(([, i]) => i),
      userSession: features.userSession.map(([, i]) => i),
      context: features.context.map(([, i]) => i),
      item: features.item.map(([, i]) => i),
    },
    actionCols: { taken: actions.taken, behaviour: actions.behaviour.length ? actions.behaviour : actions.taken },
  };
}

/** Field parsers; each throws CsvImportError naming the line and column. */
class RowParser {
  fields: string[] = [];
  line = 0;

  constructor(private readonly header: string[]) {}

  columnName(col: number): string {
    return this.header[col];
  }

  private fail(col: number, what: string): never {
    throw new CsvImportError(this.line, `column ${this.header[col]}: ${what}, got ${JSON.stringify(this.fields[col])}`);
  }

  int(col: number, max: number): number {
    const s = this.fields[col].trim();
    if (!/^\d+$/.test(s)) this.fail(col, "expected a non-negative integer");
    const v = Number(s);
    if (v > max) this.fail(col, `expected at most ${max}`);
    return v;
  }

  flag(col: number): number {
    const s = this.fields[col].trim();
    if (s !== "0" && s !== "1") this.fail(col, "expected 0 or 1");
    return s === "1" ? 1 : 0;
  }

  num(col: number): number {
    const s = this.fields[col].trim();
    const v = Number(s);
    if (s === "" || !Number.isFinite(v)) this.fail(col, "expected a finite number");
    return v;
  }

  probability(col: number): number {
    const v = this.num(col);
    if (v < 0 || v > 1) this.fail(col, "expected a score in [0, 1]");
    return v;
  }

  positive(col: number): number {
    const v = this.num(col);
    if (!(v > 0)) this.fail(col, "expected a number > 0");
    return v;
  }
}

const U32_MAX = 0xffffffff;
const I32_MAX = 0x7fffffff;

/** Imports a KuaiRand-layout CSV as a dataset at outDir (which must not exist). */
export async function importCsv(options: ImportCsvOptions): Promise<DatasetManifest> {
  const slate = options.slate ?? 5;
  if (!Number.isInteger(slate) || slate < 1 || slate > 255)
    throw new RangeError(`slate must be an integer in 1…255, got ${slate}`);
  const weights = options.rewardWeights ?? defaultScenario().reward;
  let writer: DatasetWriter | null = null;
  try {
    let lineNo = 0;
    let layout: Layout | null = null;
    let parser: RowParser | null = null;
    let col: Record<string, number> = {};
    let dataRows = 0;
    // The request being assembled (count 0 before the first row, then 1).
    let current: RequestTable | null = null;
    const seenSessions = new Set<number>();

    /** Writes the assembled request once the next one (or the end of file) shows how it ends. */
    const complete = async (nextSession: number | null, line: number) => {
      const t = current as RequestTable;
      const sameSession = nextSession !== null && t.cols.sessionId[0] === nextSession;
      if (!(layout as Layout).index.has("done")) t.cols.done[0] = sameSession ? 0 : 1;
      else if (t.cols.done[0] && sameSession)
        throw new CsvImportError(line, `session ${nextSession} continues after a request marked done`);
      (writer as DatasetWriter).append(t);
      await (writer as DatasetWriter).flush();
    };

    for await (const raw of readLines(options.csvPath, options.maxLineBytes ?? DEFAULT_MAX_CSV_LINE_BYTES)) {
      lineNo++;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      const fields = splitCsvLine(text);
      if (!layout) {
        const header = fields.map((h) => h.trim());
        layout = parseHeader(header, slate);
        parser = new RowParser(header);
        col = Object.fromEntries(layout.index);
        writer = await DatasetWriter.create(
          options.outDir,
          {
            source: { kind: "csv", file: path.basename(options.csvPath), rows: 0 },
            dims: layout.dims,
            actionMode: layout.actionMode,
            names: { scores: [...SCORE_NAMES], action: [...ACTION_NAMES], ...layout.names },
            actionBounds: null,
            exploration: null,
            rewardWeights: weights,
          },
          { shardRows: options.shardRows },
        );
        current = RequestTable.allocate(layout.dims, 1);
        continue;
      }
      const P = parser as RowParser;
      const L = layout;
      const W = writer as DatasetWriter;
      const cur = current as RequestTable;
      if (fields.length !== L.index.size)
        throw new CsvImportError(lineNo, `expected ${L.index.size} fields, found ${fields.length}`);
      P.fields = fields;
      P.line = lineNo;
      dataRows++;
      const sessionId = P.int(col.session_id, U32_MAX);
      const step = P.int(col.step, U32_MAX);
      const userId = P.int(col.user_id, U32_MAX);
      const videoId = P.int(col.video_id, I32_MAX);
      const c = cur.cols;
      if (cur.count === 1 && c.sessionId[0] === sessionId && c.step[0] === step) {
        checkRequestFields(cur, L, P, userId);
      } else {
        if (cur.count === 1) {
          if (c.sessionId[0] === sessionId && step <= c.step[0]) {
            throw new CsvImportError(
              lineNo,
              `session ${sessionId}: step ${step} does not follow step ${c.step[0]} (requests must be in step order)`,
            );
          }
          await complete(sessionId, lineNo);
        }
        if (seenSessions.has(sessionId) && c.sessionId[0] !== sessionId) {
          throw new CsvImportError(
            lineNo,
            `session ${sessionId} is not contiguous (all its requests must be adjacent)`,
          );
        }
        seenSessions.add(sessionId);
        startRequest(cur, L, P, { sessionId, step, userId });
      }
      const p = c.numShown[0];
      if (p >= slate)
        throw new CsvImportError(
          lineNo,
          `request (session ${sessionId}, step ${step}) has more than ${slate} items; import with a larger slate`,
        );
      if (L.index.has("position") && P.int(col.position, U32_MAX) !== p) {
        throw new CsvImportError(lineNo, `column position: expected ${p} (rows of a request must be in rank order)`);
      }
      c.itemId[p] = videoId;
      for (let k = 0; k < NUM_TASKS; k++) c.predictions[p * NUM_TASKS + k] = P.probability(col[SCORE_NAMES[k]]);
      const flags = FLAG_COLUMNS.map((name) => P.flag(col[name]));
      FLAG_FIELDS.forEach((f, k) => (c[f][p] = flags[k]));
      c.viewed[p] = L.index.has("viewed") ? P.flag(col.viewed) : 1;
      const playMs = P.int(col.play_time_ms, U32_MAX);
      c.playTimeMs[p] = playMs;
      c.durationMs[p] = P.int(col.duration_ms, U32_MAX);
      c.timeMs[p] = P.num(col.time_ms);
      c.rewardWatch[p] = rewardWatch(weights, playMs / 1000);
      c.rewardOther[p] = rewardOther(weights, flags[0], flags[1], flags[2], flags[3], flags[4], flags[5], flags[6]);
      if (L.actionMode === "candidate") {
        for (let d = 0; d < ACTION_DIM; d++) {
          c.action[p * ACTION_DIM + d] = P.positive(L.actionCols.taken[d]);
          c.behaviourAction[p * ACTION_DIM + d] = P.positive(L.actionCols.behaviour[d]);
        }
      }
      try {
        W.setUser(
          userId,
          L.featureCols.userStatic.map((i) => P.num(i)),
        );
        W.setItem(
          videoId,
          L.featureCols.item.map((i) => P.num(i)),
        );
      } catch (err) {
        if (err instanceof FeatureConflictError) throw new CsvImportError(lineNo, err.message);
        throw err;
      }
      c.numShown[0] = p + 1;
    }
    if (!layout || !writer) throw new CsvImportError(Math.max(lineNo, 1), "the file has no header");
    if (dataRows === 0) throw new CsvImportError(lineNo, "the file has no data rows");
    await complete(null, lineNo);
    return await writer.finish({ kind: "csv", file: path.basename(options.csvPath), rows: dataRows });
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}

/** Resets the 1-row table for a new request and fills its request-level fields. */
function startRequest(
  t: RequestTable,
  L: Layout,
  P: RowParser,
  ids: { sessionId: number; step: number; userId: number },
): void {
  for (const arr of Object.values(t.cols)) arr.fill(0);
  t.cols.itemId.fill(-1);
  t.count = 1;
  const c = t.cols;
  c.sessionId[0] = ids.sessionId;
  c.step[0] = ids.step;
  c.userId[0] = ids.userId;
  c.done[0] = L.index.has("done") ? P.flag(L.index.get("done") as number) : 0;
  L.featureCols.userSession.forEach((i, k) => (c.userSession[k] = P.num(i)));
  L.featureCols.context.forEach((i, k) => (c.context[k] = P.num(i)));
  if (L.actionMode === "request") {
    for (let d = 0; d < ACTION_DIM; d++) {
      c.action[d] = P.positive(L.actionCols.taken[d]);
      c.behaviourAction[d] = P.positive(L.actionCols.behaviour[d]);
    }
  }
}

/** A later row of a request must repeat the request-level fields of its first row. */
function checkRequestFields(t: RequestTable, L: Layout, P: RowParser, userId: number): void {
  const c = t.cols;
  const differs = (what: string) => {
    throw new CsvImportError(P.line, `${what} differs from the first row of this request`);
  };
  if (c.userId[0] !== userId) differs("user_id");
  if (L.index.has("done") && c.done[0] !== P.flag(L.index.get("done") as number)) differs("done");
  L.featureCols.userSession.forEach((i, k) => c.userSession[k] !== Math.fround(P.num(i)) && differs(P.columnName(i)));
  L.featureCols.context.forEach((i, k) => c.context[k] !== Math.fround(P.num(i)) && differs(P.columnName(i)));
  if (L.actionMode === "request") {
    for (let d = 0; d < ACTION_DIM; d++) {
      if (c.action[d] !== Math.fround(P.positive(L.actionCols.taken[d])))
        differs(`${ACTION_PREFIXES.request.taken}${ACTION_NAMES[d]}`);
      if (c.behaviourAction[d] !== Math.fround(P.positive(L.actionCols.behaviour[d])))
        differs(`${ACTION_PREFIXES.request.behaviour}${ACTION_NAMES[d]}`);
    }
  }
}

/**
 * Streams request rows into shard files of a new dataset directory. Everything is written into a
 * temporary sibling directory that is renamed to the target only by `finish` (after the manifest
 * is written), so a crash, an error or `abort` never leaves a partial dataset behind.
 * Memory is one shard buffer plus the user and item tables, whatever the dataset's size.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { SCORE_NAMES } from "@/lib/fusion/tasks";
import { FLAG_FIELDS, FORMAT_VERSION, RequestTable, encodeShard, requestColumnSpecs } from "./format";
import type { DatasetManifest, DatasetNames, DatasetSource, DatasetSummary, ShardEntry } from "./manifest";

export type DatasetHeader = Pick<
  DatasetManifest,
  "source" | "dims" | "actionMode" | "names" | "actionBounds" | "exploration" | "rewardWeights"
>;

/** Raised when one user or item id is given two different feature vectors. */
export class FeatureConflictError extends Error {}

/** Id → feature row, with features in one growable Float32Array. */
class EntityTable {
  private readonly rowOf = new Map<number, number>();
  private features: Float32Array;

  constructor(
    private readonly what: "user" | "item",
    private readonly width: number,
  ) {
    this.features = new Float32Array(1024 * Math.max(width, 1));
  }

  /** Records the entity's features; throws FeatureConflictError if it was recorded with different ones. */
  set(id: number, values: ArrayLike<number>): void {
    const w = this.width;
    const row = this.rowOf.get(id);
    if (row !== undefined) {
      for (let k = 0; k < w; k++) {
        if (this.features[row * w + k] !== Math.fround(values[k])) {
          throw new FeatureConflictError(
            `${this.what} ${id}: features differ from an earlier row (static features must not change)`,
          );
        }
      }
      return;
    }
    const next = this.rowOf.size;
    if ((next + 1) * w > this.features.length) {
      const grown = new Float32Array(this.features.length * 2);
      grown.set(this.features);
      this.features = grown;
    }
    for (let k = 0; k < w; k++) this.features[next * w + k] = values[k];
    this.rowOf.set(id, next);
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** Columns sorted by id, so the file does not depend on the order entities were met. */
  encode(idName: string, idType: "u32" | "i32"): Buffer {
    const ids = [...this.rowOf.keys()].sort((a, b) => a - b);
    const w = this.width;
    const idCol = idType === "u32" ? Uint32Array.from(ids) : Int32Array.from(ids);
    const feats = new Float32Array(ids.length * w);
    ids.forEach((id, i) => {
      const r = this.rowOf.get(id) as number;
      feats.set(this.features.subarray(r * w, (r + 1) * w), i * w);
    });
    return encodeShard(this.what === "user" ? "users" : "items", ids.length, [
      { name: idName, type: idType, width: 1, data: idCol },
      { name: "features", type: "f32", width: w, data: feats },
    ]);
  }
}

/** Accumulates the manifest's summary statistics row by row. */
class SummaryAccumulator {
  private requests = 0;
  private sessions = 0;
  private impressions = 0;
  private viewed = 0;
  private readonly flags = new Float64Array(FLAG_FIELDS.length);
  private playMs = 0;
  private readonly preds = new Float64Array(SCORE_NAMES.length);
  private rewardWatch = 0;
  private rewardOther = 0;
  private readonly session = { valid: 0, seconds: 0, interactions: 0, depth: 0 };
  private readonly sessionTotals = { valid: 0, seconds: 0, interactions: 0, depth: 0 };
  private currentSession = -1;
  private readonly actionSum: Float64Array;
  private readonly actionMin: Float64Array;
  private readonly actionMax: Float64Array;
  private actionRows = 0;

  constructor(private readonly actionDim: number) {
    this.actionSum = new Float64Array(actionDim);
    this.actionMin = new Float64Array(actionDim).fill(Infinity);
    this.actionMax = new Float64Array(actionDim).fill(-Infinity);
  }

  add(t: RequestTable, r: number): void {
    const { cols, dims } = t;
    const S = dims.slate;
    const K = dims.tasks;
    if (cols.sessionId[r] !== this.currentSession) {
      this.closeSession();
      this.currentSession = cols.sessionId[r];
    }
    this.requests++;
    this.session.depth++;
    for (let p = 0; p < cols.numShown[r]; p++) {
      const i = r * S + p;
      this.impressions++;
      for (let k = 0; k < K; k++) this.preds[k] += cols.predictions[i * K + k];
      this.rewardWatch += cols.rewardWatch[i];
      this.rewardOther += cols.rewardOther[i];
      if (!cols.viewed[i]) continue;
      this.viewed++;
      FLAG_FIELDS.forEach((f, k) => (this.flags[k] += cols[f][i]));
      this.playMs += cols.playTimeMs[i];
      this.session.valid += cols.isClick[i];
      this.session.seconds += cols.playTimeMs[i] / 1000;
      this.session.interactions += cols.isLike[i] + cols.isFollow[i] + cols.isComment[i] + cols.isForward[i];
    }
    // Per-dimension stats of every action row (one per request, or one per shown item).
    const A = t.widths.action;
    const D = this.actionDim;
    const rows = D ? (A === D ? 1 : cols.numShown[r]) : 0;
    for (let q = 0; q < rows; q++) {
      this.actionRows++;
      for (let d = 0; d < D; d++) {
        const v = cols.action[r * A + q * D + d];
        this.actionSum[d] += v;
        if (v < this.actionMin[d]) this.actionMin[d] = v;
        if (v > this.actionMax[d]) this.actionMax[d] = v;
      }
    }
  }

  private closeSession(): void {
    if (this.currentSession < 0) return;
    this.sessions++;
    const s = this.session;
    const t = this.sessionTotals;
    t.valid += s.valid;
    t.seconds += s.seconds;
    t.interactions += s.interactions;
    t.depth += s.depth;
    s.valid = s.seconds = s.interactions = s.depth = 0;
  }

  finish(): DatasetSummary {
    this.closeSession();
    this.currentSession = -1;
    const div = (a: number, b: number) => (b ? a / b : 0);
    const t = this.sessionTotals;
    return {
      requests: this.requests,
      sessions: this.sessions,
      impressions: this.impressions,
      viewed: this.viewed,
      rates: Object.fromEntries(
        ["is_click", "long_view", "is_like", "is_follow", "is_comment", "is_forward", "is_hate"].map((n, k) => [
          n,
          div(this.flags[k], this.viewed),
        ]),
      ) as DatasetSummary["rates"],
      meanPlayTimeMs: div(this.playMs, this.viewed),
      meanPredictions: Object.fromEntries(
        SCORE_NAMES.map((n, k) => [n, div(this.preds[k], this.impressions)]),
      ) as DatasetSummary["meanPredictions"],
      meanRewardWatch: div(this.rewardWatch, this.requests),
      meanRewardOther: div(this.rewardOther, this.requests),
      perSession: {
        validConsumption: div(t.valid, this.sessions),
        durationSeconds: div(t.seconds, this.sessions),
        interactions: div(t.interactions, this.sessions),
        depth: div(t.depth, this.sessions),
      },
      action: this.actionDim
        ? {
            mean: Array.from(this.actionSum, (s) => div(s, this.actionRows)),
            min: Array.from(this.actionMin, (v) => (this.actionRows ? v : 0)),
            max: Array.from(this.actionMax, (v) => (this.actionRows ? v : 0)),
          }
        : null,
    };
  }
}

export interface WriterOptions {
  /** Requests per shard; default 16,384 (a few MB per shard). */
  shardRows?: number;
}

export class DatasetWriter {
  private readonly buffer: RequestTable;
  private readonly pending: Buffer[] = [];
  private readonly shards: ShardEntry[] = [];
  private readonly users: EntityTable;
  private readonly items: EntityTable;
  private readonly summary: SummaryAccumulator;
  private closed = false;

  private constructor(
    readonly outDir: string,
    private readonly tmpDir: string,
    private readonly header: DatasetHeader,
    shardRows: number,
  ) {
    this.buffer = RequestTable.allocate(header.dims, shardRows);
    this.users = new EntityTable("user", header.dims.userStatic);
    this.items = new EntityTable("item", header.dims.item);
    const actionDim = header.dims.actionWidth === 0 ? 0 : header.names.action.length;
    this.summary = new SummaryAccumulator(actionDim);
  }

  /** Starts a dataset that will appear at outDir on finish; fails if outDir already exists. */
  static async create(outDir: string, header: DatasetHeader, options: WriterOptions = {}): Promise<DatasetWriter> {
    const shardRows = options.shardRows ?? 16_384;
    if (!Number.isInteger(shardRows) || shardRows <= 0)
      throw new RangeError(`shardRows must be a positive integer, got ${shardRows}`);
    const target = path.resolve(outDir);
    if (await exists(target)) throw new Error(`output ${target} already exists`);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = await fs.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
    // mkdtemp creates 0700; the finished dataset should have an ordinary directory's mode.
    await fs.chmod(tmp, 0o755 & ~process.umask());
    return new DatasetWriter(target, tmp, header, shardRows);
  }

  get names(): DatasetNames {
    return this.header.names;
  }

  hasUser(id: number): boolean {
    return this.users.has(id);
  }

  hasItem(id: number): boolean {
    return this.items.has(id);
  }

  /** Static features of a user (stored once); throws FeatureConflictError on a contradiction. */
  setUser(id: number, features: ArrayLike<number>): void {
    this.users.set(id, features);
  }

  setItem(id: number, features: ArrayLike<number>): void {
    this.items.set(id, features);
  }

  /** Appends rows (synchronously encoding full shards; `flush` writes them). */
  append(src: RequestTable, start = 0, count = src.count): void {
    for (let r = start; r < start + count; r++) this.summary.add(src, r);
    let done = 0;
    while (done < count) {
      done += this.buffer.appendFrom(src, start + done, count - done);
      if (this.buffer.full) this.encodeBuffer();
    }
  }

  /** Writes the shards encoded so far. Call regularly to keep memory flat. */
  async flush(): Promise<void> {
    while (this.pending.length) {
      const buf = this.pending.shift() as Buffer;
      const file = `requests-${String(this.shards.length).padStart(5, "0")}.bin`;
      await fs.writeFile(path.join(this.tmpDir, file), buf);
      this.shards.push({ file, rows: rowsOf(buf), bytes: buf.length, sha256: sha256(buf) });
    }
  }

  /**
   * Writes the last shard, the tables and the manifest, then moves the dataset into place.
   * `source` replaces the header's source when it is only known at the end (an import's row count).
   */
  async finish(source: DatasetSource = this.header.source): Promise<DatasetManifest> {
    if (this.closed) throw new Error("dataset writer already closed");
    if (this.buffer.count > 0) this.encodeBuffer();
    await this.flush();
    const users = await this.writeTable("users.bin", this.users.encode("user_id", "u32"));
    const items = await this.writeTable("items.bin", this.items.encode("video_id", "i32"));
    const manifest: DatasetManifest = {
      format: "fusionlab.dataset",
      version: FORMAT_VERSION,
      ...this.header,
      source,
      columns: requestColumnSpecs(this.header.dims),
      shards: this.shards,
      users,
      items,
      summary: this.summary.finish(),
    };
    await fs.writeFile(path.join(this.tmpDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    await fs.rename(this.tmpDir, this.outDir);
    this.closed = true;
    return manifest;
  }

  /** Discards everything written. */
  async abort(): Promise<void> {
    this.closed = true;
    await fs.rm(this.tmpDir, { recursive: true, force: true });
  }

  private encodeBuffer(): void {
    const t = this.buffer;
    this.pending.push(encodeShard("requests", t.count, t.encodedColumns()));
    t.count = 0;
  }

  private async writeTable(file: string, buf: Buffer): Promise<ShardEntry> {
    await fs.writeFile(path.join(this.tmpDir, file), buf);
    return { file, rows: rowsOf(buf), bytes: buf.length, sha256: sha256(buf) };
  }
}

function rowsOf(shard: Buffer): number {
  const headerBytes = shard.readUInt32LE(8);
  return (JSON.parse(shard.toString("utf8", 12, 12 + headerBytes)) as { rows: number }).rows;
}

function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

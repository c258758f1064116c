/**
 * FusionLab logged-dataset format, version 1.
 *
 * A dataset is a directory:
 *   manifest.json        schema (dimensions, feature/score/action names, column list), source
 *                        (scenario + seed + policy, or the imported CSV), reward weights, shard
 *                        list with SHA-256, summary statistics. No timestamps: same input → same bytes.
 *   requests-NNNNN.bin   request rows, in order; the requests of a session are contiguous and in
 *                        step order. Shards hold `shardRows` rows (the last one fewer).
 *   users.bin            one row per user that appears: user_id, static user features.
 *   items.bin            one row per item that appears: video_id, item features.
 * Static user and item features are stored once in the tables (as KuaiRand ships user_features
 * and video_features tables) instead of on every row; the reader joins them back.
 *
 * ONE ROW PER REQUEST. Per-item columns have a fixed `slate` width S (rank order; slots past
 * num_shown hold video_id −1 and zeros). Columns, with their element type and width:
 *   session_id u32 1 · step u32 1 · user_id u32 1 · done u8 1 · num_shown u8 1
 *   user_session_features f32 dUs (in-session statistics) · context f32 dC
 *   video_id i32 S · predictions f32 S×K (SCORE_NAMES order)
 *   viewed, is_click, long_view, is_like, is_follow, is_comment, is_forward, is_hate u8 S
 *   play_time_ms u32 S · duration_ms u32 S · time_ms f64 S · reward_watch f32 S · reward_other f32 S
 *   action f32 A · behaviour_action f32 A   with A = 0 (actionMode none), 2K (request), S×2K (candidate)
 * `action` is the action taken, `behaviour_action` the behaviour policy's own action (the centre of
 * the exploration box; equal to `action` when the policy did not explore).
 *
 * Every .bin file ("shard") has the same layout, little-endian:
 *   bytes 0–3 "FLDS" · 4–7 u32 format version · 8–11 u32 header length H ·
 *   12…12+H UTF-8 JSON header {kind, rows, columns: [{name, type, width, offset}]} ·
 *   zero padding · each column's rows × width elements at its `offset` (8-byte aligned).
 */
export { actionWidth } from "@/lib/simulator/simulator-policy";

export const FORMAT_VERSION = 1;
const MAGIC = "FLDS";

export type DType = "u8" | "i32" | "u32" | "f32" | "f64";
type ArrayFor<T extends DType> = T extends "u8"
  ? Uint8Array
  : T extends "i32"
    ? Int32Array
    : T extends "u32"
      ? Uint32Array
      : T extends "f32"
        ? Float32Array
        : Float64Array;
export type AnyColumnArray = Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array;

const CTOR = { u8: Uint8Array, i32: Int32Array, u32: Uint32Array, f32: Float32Array, f64: Float64Array } as const;

export function allocate<T extends DType>(type: T, length: number): ArrayFor<T> {
  return new CTOR[type](length) as ArrayFor<T>;
}

export interface DatasetDims {
  /** S: item slots per request. */
  slate: number;
  /** K: predicted scores per item. */
  tasks: number;
  userStatic: number;
  userSession: number;
  context: number;
  item: number;
  /** Action numbers per request: 0, 2K or S × 2K. */
  actionWidth: number;
}

interface ColumnDef {
  readonly name: string;
  readonly type: DType;
  readonly width: (d: DatasetDims) => number;
}

const one = () => 1;
const perSlot = (d: DatasetDims) => d.slate;

/** The request-row columns, in file order, keyed by their field name in RequestColumns. */
export const REQUEST_COLUMNS = {
  sessionId: { name: "session_id", type: "u32", width: one },
  step: { name: "step", type: "u32", width: one },
  userId: { name: "user_id", type: "u32", width: one },
  done: { name: "done", type: "u8", width: one },
  numShown: { name: "num_shown", type: "u8", width: one },
  userSession: { name: "user_session_features", type: "f32", width: (d) => d.userSession },
  context: { name: "context", type: "f32", width: (d) => d.context },
  itemId: { name: "video_id", type: "i32", width: perSlot },
  predictions: { name: "predictions", type: "f32", width: (d) => d.slate * d.tasks },
  viewed: { name: "viewed", type: "u8", width: perSlot },
  isClick: { name: "is_click", type: "u8", width: perSlot },
  longView: { name: "long_view", type: "u8", width: perSlot },
  isLike: { name: "is_like", type: "u8", width: perSlot },
  isFollow: { name: "is_follow", type: "u8", width: perSlot },
  isComment: { name: "is_comment", type: "u8", width: perSlot },
  isForward: { name: "is_forward", type: "u8", width: perSlot },
  isHate: { name: "is_hate", type: "u8", width: perSlot },
  playTimeMs: { name: "play_time_ms", type: "u32", width: perSlot },
  durationMs: { name: "duration_ms", type: "u32", width: perSlot },
  timeMs: { name: "time_ms", type: "f64", width: perSlot },
  rewardWatch: { name: "reward_watch", type: "f32", width: perSlot },
  rewardOther: { name: "reward_other", type: "f32", width: perSlot },
  action: { name: "action", type: "f32", width: (d) => d.actionWidth },
  behaviourAction: { name: "behaviour_action", type: "f32", width: (d) => d.actionWidth },
} as const satisfies Record<string, ColumnDef>;

export type RequestField = keyof typeof REQUEST_COLUMNS;
export type RequestColumns = { [F in RequestField]: ArrayFor<(typeof REQUEST_COLUMNS)[F]["type"]> };
export const REQUEST_FIELDS = Object.keys(REQUEST_COLUMNS) as RequestField[];
/** The 0/1 response columns, in KuaiRand order. */
export const FLAG_FIELDS = [
  "isClick",
  "longView",
  "isLike",
  "isFollow",
  "isComment",
  "isForward",
  "isHate",
] as const satisfies readonly RequestField[];

export interface ColumnSpec {
  name: string;
  type: DType;
  width: number;
}

export function requestColumnSpecs(dims: DatasetDims): ColumnSpec[] {
  return REQUEST_FIELDS.map((f) => ({
    name: REQUEST_COLUMNS[f].name,
    type: REQUEST_COLUMNS[f].type,
    width: REQUEST_COLUMNS[f].width(dims),
  }));
}

/** A growable-to-capacity block of request rows in columnar form. */
export class RequestTable {
  count = 0;
  readonly widths: Record<RequestField, number>;

  private constructor(
    readonly dims: DatasetDims,
    readonly capacity: number,
    readonly cols: RequestColumns,
  ) {
    this.widths = Object.fromEntries(REQUEST_FIELDS.map((f) => [f, REQUEST_COLUMNS[f].width(dims)])) as Record<
      RequestField,
      number
    >;
  }

  static allocate(dims: DatasetDims, capacity: number): RequestTable {
    const cols = Object.fromEntries(
      REQUEST_FIELDS.map((f) => [f, allocate(REQUEST_COLUMNS[f].type, capacity * REQUEST_COLUMNS[f].width(dims))]),
    ) as RequestColumns;
    return new RequestTable(dims, capacity, cols);
  }

  /** Wraps decoded shard columns (rows × width each) without copying. */
  static wrap(dims: DatasetDims, rows: number, cols: RequestColumns): RequestTable {
    const t = new RequestTable(dims, rows, cols);
    t.count = rows;
    return t;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Copies up to `count` rows from src[start …]; returns how many fit. */
  appendFrom(src: RequestTable, start: number, count: number): number {
    const n = Math.min(count, this.capacity - this.count);
    for (const f of REQUEST_FIELDS) {
      const w = this.widths[f];
      if (w === 0) continue;
      const from = src.cols[f].subarray(start * w, (start + n) * w);
      (this.cols[f] as AnyColumnArray).set(from as ArrayLike<number>, this.count * w);
    }
    this.count += n;
    return n;
  }

  /** Columns trimmed to the rows present (views, not copies). */
  trimmed(): RequestColumns {
    return Object.fromEntries(
      REQUEST_FIELDS.map((f) => [f, this.cols[f].subarray(0, this.count * this.widths[f])]),
    ) as RequestColumns;
  }

  /** The rows present, as shard columns in file order. */
  encodedColumns(): EncodedColumn[] {
    return REQUEST_FIELDS.map((f) => ({
      name: REQUEST_COLUMNS[f].name,
      type: REQUEST_COLUMNS[f].type,
      width: this.widths[f],
      data: this.cols[f].subarray(0, this.count * this.widths[f]),
    }));
  }
}

export interface EncodedColumn extends ColumnSpec {
  data: AnyColumnArray;
}

export type ShardKind = "requests" | "users" | "items";

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("FusionLab dataset files are little-endian; this platform is big-endian");
}

const align8 = (x: number) => (x + 7) & ~7;

/** Serialises columns (each rows × width elements) into one shard file image. */
export function encodeShard(kind: ShardKind, rows: number, columns: readonly EncodedColumn[]): Buffer {
  // Offsets depend on the header length, which depends on the offsets' digits: iterate to a fixed point.
  let headerBytes = 0;
  let header = "";
  let specs: (ColumnSpec & { offset: number })[] = [];
  for (;;) {
    let offset = align8(12 + headerBytes);
    specs = columns.map((c) => {
      const spec = { name: c.name, type: c.type, width: c.width, offset };
      offset = align8(offset + rows * c.width * CTOR[c.type].BYTES_PER_ELEMENT);
      return spec;
    });
    header = JSON.stringify({ kind, rows, columns: specs });
    const len = Buffer.byteLength(header);
    if (len === headerBytes) break;
    headerBytes = len;
  }
  const last = specs.length ? specs[specs.length - 1] : null;
  const total = last
    ? align8(last.offset + rows * last.width * CTOR[last.type].BYTES_PER_ELEMENT)
    : align8(12 + headerBytes);
  const buf = Buffer.alloc(total);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(FORMAT_VERSION, 4);
  buf.writeUInt32LE(headerBytes, 8);
  buf.write(header, 12, "utf8");
  columns.forEach((c, i) => {
    const bytes = rows * c.width * CTOR[c.type].BYTES_PER_ELEMENT;
    if (c.data.length < rows * c.width)
      throw new RangeError(`column ${c.name} holds ${c.data.length} values, need ${rows * c.width}`);
    buf.set(new Uint8Array(c.data.buffer, c.data.byteOffset, bytes), specs[i].offset);
  });
  return buf;
}

export interface DecodedShard {
  kind: ShardKind;
  rows: number;
  columns: Map<string, EncodedColumn>;
}

export function decodeShard(file: Buffer, what: string): DecodedShard {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== MAGIC)
    throw new Error(`${what}: not a FusionLab dataset shard`);
  const version = file.readUInt32LE(4);
  if (version !== FORMAT_VERSION)
    throw new Error(`${what}: shard format version ${version}, this reader knows ${FORMAT_VERSION}`);
  const headerBytes = file.readUInt32LE(8);
  const header = JSON.parse(file.toString("utf8", 12, 12 + headerBytes)) as {
    kind: ShardKind;
    rows: number;
    columns: (ColumnSpec & { offset: number })[];
  };
  // Typed-array views need aligned offsets; copy (into a fresh, aligned ArrayBuffer) if the
  // buffer is not 8-aligned, as small Buffers carved from Node's pool may be.
  const bytes: Uint8Array = file.byteOffset % 8 === 0 ? file : new Uint8Array(file);
  const columns = new Map<string, EncodedColumn>();
  for (const c of header.columns) {
    const Ctor = CTOR[c.type];
    const length = header.rows * c.width;
    if (c.offset + length * Ctor.BYTES_PER_ELEMENT > bytes.length)
      throw new Error(`${what}: column ${c.name} runs past the end of the file`);
    columns.set(c.name, {
      name: c.name,
      type: c.type,
      width: c.width,
      data: new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + c.offset, length),
    });
  }
  return { kind: header.kind, rows: header.rows, columns };
}

/** Checks a decoded request shard against the expected schema and wraps it as a RequestTable. */
export function requestTableFromShard(shard: DecodedShard, dims: DatasetDims, what: string): RequestTable {
  if (shard.kind !== "requests") throw new Error(`${what}: expected a requests shard, found ${shard.kind}`);
  const cols = {} as Record<RequestField, AnyColumnArray>;
  for (const f of REQUEST_FIELDS) {
    const def = REQUEST_COLUMNS[f];
    const c = shard.columns.get(def.name);
    if (!c || c.type !== def.type || c.width !== def.width(dims)) {
      throw new Error(`${what}: column ${def.name} is missing or has the wrong type/width`);
    }
    cols[f] = c.data;
  }
  return RequestTable.wrap(dims, shard.rows, cols as RequestColumns);
}

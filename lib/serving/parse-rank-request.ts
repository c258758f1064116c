import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  isJsonSpace as isSpace,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from "@/lib/http/json-bytes";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import { isText, isValidRankHeader, MAX_CANDIDATES } from "@/lib/serving/rank-input";
import type { RankRequest } from "@/lib/serving/rank-request";

/**
 * The rank body read from its bytes straight into a RankRequest's columns. JSON.parse of a
 * 200-candidate body builds ~600 objects and ~6,000 heap numbers that the rank path copies into
 * float32 columns and then drops: the parse and its garbage were the largest part of the rank path
 * (docs/scaling.md). Here each candidate's numbers go straight into the columns.
 *
 * It reads only what it is sure of: strict JSON of the documented shape (top-level keys userId,
 * requestId, context, user, k and candidates, each once; candidates with itemId, scores and
 * optional features, each once; no escapes in keys or item ids; at most MAX_CANDIDATES candidates and
 * FEATURE_COLUMNS feature names). Anything else returns null and the caller takes the general path
 * (JSON.parse, rankBody), so every error message and every edge of JSON's semantics (duplicate
 * keys, escapes, huge exponents) stays exactly as before. The small parts (context, user) go to
 * JSON.parse and the same checks as isValidRankBody's. A property test holds the two paths together.
 *
 * Numbers: a decimal with at most 2^53 as its digits and a power of ten within ±22 converts exactly
 * (one correctly rounded multiplication or division). Longer ones — JSON.stringify of a float32
 * value prints 16–17 digits — are converted to within a few units in the last place of a double, and
 * the result is used only as float32, which it rounds to exactly unless it lies next to a float32
 * rounding boundary (or next to the scores' bound 1): then, and for anything else unusual, the
 * digits go to Number() for the exact value.
 */
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** More distinct feature names than this: the general path (the lookup here is linear in them). */
const FEATURE_COLUMNS = 256;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT = 2 ** 53;
/** Relative error bound of the approximate conversion, with a wide margin. */
const APPROX = 4e-15;

const bytes = (s: string) => Buffer.from(s, "utf8");
const KEY = {
  userId: bytes("userId"),
  requestId: bytes("requestId"),
  context: bytes("context"),
  user: bytes("user"),
  k: bytes("k"),
  candidates: bytes("candidates"),
  itemId: bytes("itemId"),
  scores: bytes("scores"),
  features: bytes("features"),
};
const HEADER_KEYS = ["userId", "requestId", "context", "user", "k"] as const;
const SCORE_KEYS = SCORE_NAMES.map(bytes);
const ALL_SCORES = (1 << NUM_TASKS) - 1;

const FOUR_ZEROS = 0x30303030;
/** Whether the four bytes of w (little-endian) are all decimal digits. */
const isFourDigits = (w: number) => (w & 0xf0f0f0f0) === FOUR_ZEROS && ((w + 0x06060606) & 0xf0f0f0f0) === FOUR_ZEROS;

class NotFast extends Error {}
const NOT_FAST = new NotFast("not on the fast path");

/** Returns the request, or null when the body must take the general path. */
export function parseRankRequest(body: Buffer): RankRequest | null {
  try {
    return new RankBodyReader(body).read();
  } catch (err) {
    if (err === NOT_FAST) return null;
    throw err;
  }
}

class RankBodyReader {
  private i = 0;
  // The string read last: its content's byte range, and whether it is all ASCII (no tuple per key).
  private s = 0;
  private e = 0;
  private ascii = true;
  // Candidates, growing as they are read.
  private n = 0;
  private readonly itemIds: string[] = [];
  private predictions = new Float32Array(256 * NUM_TASKS);
  // Feature columns: name, and where its first occurrence's bytes are (keys are compared as bytes).
  private readonly names: string[] = [];
  private readonly nameStart: number[] = [];
  private readonly nameEnd: number[] = [];
  /** The candidate that last set each column (a name twice in one candidate takes the general path). */
  private readonly setBy: number[] = [];
  // Feature values written in place: rows × stride, NaN where unset; both grow by doubling.
  private rows = 0;
  private stride = 0;
  private values = new Float32Array(0);

  private readonly words: DataView;

  constructor(private readonly b: Buffer) {
    this.words = new DataView(b.buffer, b.byteOffset, b.length);
  }

  read(): RankRequest {
    const header: Record<string, unknown> = {};
    let sawCandidates = false;
    this.open(OPEN_OBJECT);
    for (;;) {
      this.key();
      const { s, e } = this;
      if (this.is(s, e, KEY.candidates)) {
        if (sawCandidates) throw NOT_FAST;
        sawCandidates = true;
        this.candidates();
      } else {
        const name = HEADER_KEYS.find((k) => this.is(s, e, KEY[k]));
        if (name === undefined || name in header) throw NOT_FAST;
        header[name] = this.smallValue();
      }
      if (this.next(CLOSE_OBJECT)) break;
    }
    this.space();
    if (this.i !== this.b.length || !sawCandidates || !isValidRankHeader(header)) throw NOT_FAST;
    return {
      ...(header as Pick<RankRequest, "userId" | "requestId" | "context" | "user" | "k">),
      itemIds: this.itemIds,
      predictions: this.predictions.subarray(0, this.n * NUM_TASKS),
      itemFeatures: this.featureTable(),
    };
  }

  private space() {
    const { b } = this;
    while (this.i < b.length && isSpace(b[this.i])) this.i++;
  }

  /** Expects `c` (after any space) and the space after it. */
  private open(c: number) {
    this.space();
    if (this.b[this.i] !== c) throw NOT_FAST;
    this.i++;
    this.space();
  }

  /** After a member or element: true at the closing bracket `close`, false after a comma. */
  private next(close: number): boolean {
    this.space();
    const c = this.b[this.i++];
    if (c === close) return true;
    if (c !== COMMA) throw NOT_FAST;
    this.space();
    return false;
  }

  /** A string without escapes or control characters at i (its bytes: s..e). */
  private plainString() {
    const { b } = this;
    if (b[this.i] !== QUOTE) throw NOT_FAST;
    const s = this.i + 1;
    let ascii = true;
    // Keys and ids are short: a byte loop beats a native indexOf call here.
    let e = s;
    for (let c = b[e]; c !== QUOTE; c = b[++e]) {
      if (c === BACKSLASH || c < 0x20 || c === undefined) throw NOT_FAST;
      if (c >= 0x80) ascii = false;
    }
    this.i = e + 1;
    this.s = s;
    this.e = e;
    this.ascii = ascii;
  }

  private text(): string {
    return this.b.toString(this.ascii ? "latin1" : "utf8", this.s, this.e);
  }

  /** A member's key (s..e) and the colon after it. */
  private key() {
    this.plainString();
    this.space();
    if (this.b[this.i++] !== COLON) throw NOT_FAST;
    this.space();
  }

  private is(s: number, e: number, name: Uint8Array): boolean {
    if (e - s !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.b[s + k] !== name[k]) return false;
    return true;
  }

  /** A whole value at i (the small top-level parts), through JSON.parse. */
  private smallValue(): unknown {
    const { b } = this;
    const s = this.i;
    let depth = 0;
    for (; this.i < b.length; this.i++) {
      const c = b[this.i];
      if (c === QUOTE) {
        this.i++;
        while (this.i < b.length && b[this.i] !== QUOTE) this.i += b[this.i] === BACKSLASH ? 2 : 1;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (c === COMMA || isSpace(c))) break;
    }
    try {
      return JSON.parse(b.toString("utf8", s, this.i));
    } catch {
      throw NOT_FAST;
    }
  }

  /** A JSON number at i, finite. */
  private number(): number {
    const { b } = this;
    const s = this.i;
    let i = s;
    let c = b[i];
    if (c === MINUS) c = b[++i];
    const intStart = i;
    let m = 0;
    if (c === ZERO) {
      c = b[++i];
      if (c >= ZERO && c <= NINE) throw NOT_FAST;
    } else if (c > ZERO && c <= NINE) {
      do {
        m = m * 10 + (c - ZERO);
        c = b[++i];
      } while (c >= ZERO && c <= NINE);
    } else throw NOT_FAST;
    // Digits written, leading zeros included (a bound on the significant ones).
    let digits = i - intStart;
    let scale = 0;
    if (c === DOT) {
      const fracStart = ++i;
      // Fractions are long (16 digits in a printed float32): four digits per load where they fit.
      const { words } = this;
      for (let w = 0; i + 4 <= b.length && isFourDigits((w = words.getUint32(i, true))); i += 4) {
        const pairs = (w - FOUR_ZEROS) * 10 + ((w - FOUR_ZEROS) >>> 8);
        m = m * 1e4 + ((pairs & 0xff) * 100 + ((pairs >>> 16) & 0xff));
      }
      c = b[i];
      while (c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        c = b[++i];
      }
      if (i === fracStart) throw NOT_FAST;
      digits += i - fracStart;
      scale = fracStart - i;
    }
    if (c === 0x65 || c === 0x45) {
      c = b[++i];
      let sign = 1;
      if (c === MINUS || c === PLUS) {
        sign = c === MINUS ? -1 : 1;
        c = b[++i];
      }
      if (!(c >= ZERO && c <= NINE)) throw NOT_FAST;
      let exponent = 0;
      do {
        exponent = Math.min(exponent * 10 + (c - ZERO), 100_000);
        c = b[++i];
      } while (c >= ZERO && c <= NINE);
      scale += sign * exponent;
    }
    this.i = i;
    let v: number;
    if (scale < -22 || scale > 22 || digits > 25) v = Number(b.toString("latin1", s, i));
    else {
      v = scale < 0 ? m / POW10[-scale] : m * POW10[scale];
      if (intStart !== s) v = -v;
      if (m > MAX_EXACT && (Math.fround(v * (1 + APPROX)) !== Math.fround(v * (1 - APPROX)) || Math.abs(v - 1) < 1e-9))
        v = Number(b.toString("latin1", s, i));
    }
    if (!Number.isFinite(v)) throw NOT_FAST;
    return v;
  }

  private candidates() {
    this.open(OPEN_ARRAY);
    for (;;) {
      if (this.n === MAX_CANDIDATES) throw NOT_FAST;
      this.candidate();
      this.n++;
      if (this.next(CLOSE_ARRAY)) return;
    }
  }

  private candidate() {
    const { n } = this;
    if ((n + 1) * NUM_TASKS > this.predictions.length) {
      const grown = new Float32Array(this.predictions.length * 2);
      grown.set(this.predictions);
      this.predictions = grown;
    }
    let itemId = false;
    let scores = false;
    let features = false;
    this.open(OPEN_OBJECT);
    for (;;) {
      this.key();
      const { s, e } = this;
      if (this.is(s, e, KEY.itemId) && !itemId) {
        itemId = true;
        this.plainString();
        const id = this.text();
        if (!isText(id, 1, 200)) throw NOT_FAST;
        this.itemIds.push(id);
      } else if (this.is(s, e, KEY.scores) && !scores) {
        scores = true;
        this.scores(n);
      } else if (this.is(s, e, KEY.features) && !features) {
        features = true;
        this.features(n);
      } else throw NOT_FAST;
      if (this.next(CLOSE_OBJECT)) break;
    }
    if (!itemId || !scores) throw NOT_FAST;
  }

  private scores(n: number) {
    let seen = 0;
    this.open(OPEN_OBJECT);
    for (let k = 0; ; k++) {
      // The usual order first, then any order; names outside SCORE_NAMES only need to be numbers.
      let task = k < NUM_TASKS && this.expectedKey(SCORE_KEYS[k], 0, SCORE_KEYS[k].length) ? k : -1;
      if (task < 0) {
        this.key();
        const { s, e } = this;
        for (let t = 0; task < 0 && t < NUM_TASKS; t++) if (this.is(s, e, SCORE_KEYS[t])) task = t;
      }
      const v = this.number();
      if (task >= 0) {
        if (seen & (1 << task) || !(v >= 0 && v <= 1)) throw NOT_FAST;
        seen |= 1 << task;
        this.predictions[n * NUM_TASKS + task] = v;
      }
      if (this.next(CLOSE_OBJECT)) break;
    }
    if (seen !== ALL_SCORES) throw NOT_FAST;
  }

  private features(n: number) {
    if (n >= this.rows) this.resize(Math.max(256, 2 * this.rows, n + 1), this.stride);
    this.open(OPEN_OBJECT);
    if (this.b[this.i] === CLOSE_OBJECT) {
      this.i++;
      return;
    }
    for (let k = 0; ; k++) {
      const column =
        k < this.names.length && this.expectedKey(this.b, this.nameStart[k], this.nameEnd[k] - this.nameStart[k])
          ? k
          : (this.key(), this.column(k));
      if (this.setBy[column] === n) throw NOT_FAST;
      this.setBy[column] = n;
      this.values[n * this.stride + column] = this.number();
      if (this.next(CLOSE_OBJECT)) break;
    }
  }

  /** The column of the feature named by bytes s..e, the k-th of its candidate (usually column k). */
  private column(k: number): number {
    const { s, e } = this;
    if (k < this.names.length && this.isColumn(k, s, e)) return k;
    for (let c = 0; c < this.names.length; c++) if (this.isColumn(c, s, e)) return c;
    if (this.names.length === FEATURE_COLUMNS) throw NOT_FAST;
    if (this.names.length === this.stride) this.resize(this.rows, Math.max(32, 2 * this.stride));
    this.names.push(this.text());
    this.nameStart.push(s);
    this.nameEnd.push(e);
    this.setBy.push(-1);
    return this.names.length - 1;
  }

  /**
   * Whether the key at i is `src[start, start + length)` — the name expected there, since candidates
   * usually list their scores and features in one order — read in one pass over its bytes; if so, i
   * is past its colon. Otherwise i is unchanged.
   */
  private expectedKey(src: Uint8Array, start: number, length: number): boolean {
    const { b } = this;
    const s = this.i + 1;
    if (b[this.i] !== QUOTE || b[s + length] !== QUOTE) return false;
    for (let j = 0; j < length; j++) if (src[start + j] !== b[s + j]) return false;
    this.i = s + length + 1;
    this.space();
    if (b[this.i++] !== COLON) throw NOT_FAST;
    this.space();
    return true;
  }

  private isColumn(c: number, s: number, e: number): boolean {
    const start = this.nameStart[c];
    if (this.nameEnd[c] - start !== e - s) return false;
    for (let j = 0; j < e - s; j++) if (this.b[start + j] !== this.b[s + j]) return false;
    return true;
  }

  private resize(rows: number, stride: number) {
    const values = new Float32Array(rows * stride).fill(NaN);
    for (let j = 0; j < Math.min(this.n + 1, this.rows); j++)
      values.set(this.values.subarray(j * this.stride, j * this.stride + this.names.length), j * stride);
    this.values = values;
    this.rows = rows;
    this.stride = stride;
  }

  private featureTable(): RankRequest["itemFeatures"] {
    const m = this.names.length;
    if (m === this.stride) return { names: this.names, values: this.values.subarray(0, this.n * m) };
    const values = new Float32Array(this.n * m);
    for (let j = 0; j < this.n; j++) values.set(this.values.subarray(j * this.stride, j * this.stride + m), j * m);
    return { names: this.names, values };
  }
}

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
/**
 * JSON.parse for request bodies, without one large string. V8 puts every string over 128 KB in its
 * large-object space, and allocating one there costs ~1 ms of fresh, page-faulted memory (measured
 * on our 2-core VMs: a 120 KB string takes 0.01 ms, a 140 KB one 1 ms), more than parsing it. A
 * 200-candidate rank request is ~190 KB. So a large body is split at its top two levels (the root
 * object and, for instance, its `candidates` array) and handed to JSON.parse in small strings. JSON.parse
 * still parses every value; this file only finds where values start and end and rebuilds the
 * containers around them. Anything unexpected falls back to JSON.parse of the whole body, so the
 * result and the errors are exactly JSON.parse's.
 *
 * Arrays of objects are cut into chunks of ~48 KB at a `},{` found by Buffer.indexOf (native
 * speed), each parsed as one array: walking every byte of a candidate list in JavaScript, and a
 * JSON.parse call per candidate, cost more than the parse itself. A cut need not be a boundary
 * between two elements of this array (the bytes may sit in a string or a nested value): then the
 * chunk is not a well-formed sequence of values, JSON.parse rejects it, and the rest of the array
 * is walked element by element. A chunk that parses IS a sequence of whole elements — its brackets
 * balance and its strings close — so the result is JSON.parse's either way.
 */
const SMALL = 64 * 1024;
// Containers at depth < SPLIT_DEPTH are rebuilt here; deeper values go to JSON.parse whole.
const SPLIT_DEPTH = 2;
/** Bytes of array elements per JSON.parse call: well under the 128 KB large-object threshold. */
const CHUNK = 48 * 1024;
/** Where one object element of an array ends and the next begins (compact JSON). */
const ELEMENT_BOUNDARY = Buffer.from("},{");

class NotSplittable extends Error {}

class Splitter {
  /** End offset of the value parsed last. */
  private end = 0;

  constructor(private readonly buf: Buffer) {}

  skipSpace(i: number): number {
    while (i < this.buf.length && isSpace(this.buf[i])) i++;
    return i;
  }

  /** Offset just past the string that opens at i. */
  private stringEnd(i: number): number {
    let j = i + 1;
    for (;;) {
      j = this.buf.indexOf(QUOTE, j);
      if (j < 0) throw new NotSplittable();
      let backslashes = 0;
      while (this.buf[j - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return j + 1;
      j++;
    }
  }

  /** Offset just past the value that starts at i (string, container or literal). */
  private valueEnd(i: number): number {
    const { buf } = this;
    const first = buf[i];
    if (first === QUOTE) return this.stringEnd(i);
    if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
      let depth = 0;
      while (i < buf.length) {
        const c = buf[i];
        if (c === QUOTE) {
          i = this.stringEnd(i);
          continue;
        }
        if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
        else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return i + 1;
        i++;
      }
      throw new NotSplittable();
    }
    while (i < buf.length) {
      const c = buf[i];
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c)) break;
      i++;
    }
    return i;
  }

  private parseSlice(start: number, end: number): unknown {
    return JSON.parse(this.buf.toString("utf8", start, end));
  }

  value(i: number, depth: number): unknown {
    const c = this.buf[i];
    if (depth < SPLIT_DEPTH && c === OPEN_ARRAY) return this.array(i, depth + 1);
    if (depth < SPLIT_DEPTH && c === OPEN_OBJECT) return this.object(i, depth + 1);
    this.end = this.valueEnd(i);
    return this.parseSlice(i, this.end);
  }

  /**
   * Walks the comma-separated members of the container that opens at i (or continues after the comma at i), up to its
   * `close` byte.
   */
  private members(i: number, close: number, member: (at: number) => void): void {
    i = this.skipSpace(i + 1);
    if (this.buf[i] !== close) {
      for (;;) {
        member(i); // leaves this.end just past the member
        i = this.skipSpace(this.end);
        if (this.buf[i] === close) break;
        if (this.buf[i] !== COMMA) throw new NotSplittable();
        i = this.skipSpace(i + 1);
      }
    }
    this.end = i + 1;
  }

  private array(i: number, depth: number): unknown[] {
    const out: unknown[] = [];
    // `open`: the '[' or the ',' after the last element parsed so far.
    let open = i;
    for (;;) {
      let cut = this.buf.indexOf(ELEMENT_BOUNDARY, open + 1 + CHUNK);
      // Less than a chunk left: the body's last "},{" may still end a shorter one of this array.
      if (cut < 0) cut = this.buf.lastIndexOf(ELEMENT_BOUNDARY);
      // A cut far past a chunk lies beyond this array (a later one's): don't spend a parse on it.
      if (cut <= open || cut - open > 2 * CHUNK) break;
      let chunk: unknown[];
      // The chunk's elements between brackets, written over the body's own bytes (`open` holds '['
      // or ',', cut + 1 the ',' of "},{") and put back at once: one string, no concatenated copy.
      const [before, after] = [this.buf[open], this.buf[cut + 1]];
      this.buf[open] = OPEN_ARRAY;
      this.buf[cut + 1] = CLOSE_ARRAY;
      try {
        chunk = JSON.parse(this.buf.toString("utf8", open, cut + 2)) as unknown[];
      } catch (err) {
        if (err instanceof SyntaxError) break; // not a boundary of this array (or a real error, found below)
        throw err;
      } finally {
        this.buf[open] = before;
        this.buf[cut + 1] = after;
      }
      for (const v of chunk) out.push(v);
      open = cut + 1;
    }
    this.members(open, CLOSE_ARRAY, (at) => out.push(this.value(at, depth)));
    return out;
  }

  private object(i: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.members(i, CLOSE_OBJECT, (at) => {
      if (this.buf[at] !== QUOTE) throw new NotSplittable();
      const keyEnd = this.stringEnd(at);
      const key = this.parseSlice(at, keyEnd) as string;
      const colon = this.skipSpace(keyEnd);
      if (this.buf[colon] !== COLON) throw new NotSplittable();
      const v = this.value(this.skipSpace(colon + 1), depth);
      // JSON.parse makes "__proto__" an own property; a plain assignment would set the prototype.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      else out[key] = v;
    });
    return out;
  }

  /** The whole body, or NotSplittable / SyntaxError when it is not a well-formed container. */
  document(): unknown {
    const start = this.skipSpace(0);
    const c = this.buf[start];
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) throw new NotSplittable();
    const result = this.value(start, 0);
    if (this.skipSpace(this.end) !== this.buf.length) throw new NotSplittable();
    return result;
  }
}

/** JSON.parse(body as UTF-8), with JSON.parse's result and errors. */
export function parseJson(body: Buffer): unknown {
  // A UTF-8 byte-order mark would be whitespace to nobody but a hand scanner: leave it to JSON.parse.
  if (body.length <= SMALL || body[0] === 0xef) return JSON.parse(body.toString("utf8"));
  try {
    return new Splitter(body).document();
  } catch (err) {
    if (!(err instanceof NotSplittable) && !(err instanceof SyntaxError)) throw err;
    return JSON.parse(body.toString("utf8"));
  }
}

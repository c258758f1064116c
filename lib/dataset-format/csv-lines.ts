import { createReadStream } from "node:fs";
import { CsvImportError } from "./csv-layout";

/**
 * The lines of a file, streamed; a line longer than `maxBytes` is refused as soon as it grows past
 * the limit (node:readline would build the whole line first, however long).
 */
export async function* readLines(file: string, maxBytes: number): AsyncGenerator<string> {
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
export function splitCsvLine(line: string): string[] {
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

/** Field parsers; each throws CsvImportError naming the line and column. */
export class RowParser {
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

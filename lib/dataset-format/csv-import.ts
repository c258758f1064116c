import path from "node:path";
import { ACTION_DIM, ACTION_NAMES } from "@/lib/fusion/action";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion/tasks";
import { rewardOther, rewardWatch } from "@/lib/simulator/outcome";
import { defaultScenario, type RewardWeights } from "@/lib/simulator/scenario";
import { ACTION_PREFIXES, CsvImportError, FLAG_COLUMNS, type Layout, parseHeader } from "./csv-layout";
import { RowParser, readLines, splitCsvLine } from "./csv-lines";
import { FLAG_FIELDS, RequestTable } from "./format";
import type { DatasetManifest } from "./manifest";
import { DatasetWriter, FeatureConflictError } from "./writer";

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

const U32_MAX = 0xffffffff;
const I32_MAX = 0x7fffffff;

/**
 * Imports a KuaiRand-layout CSV (csv-layout.ts) as a dataset at outDir, which must not exist.
 * Streams the file, reports the first bad row with its line number, and writes through
 * DatasetWriter, so a failed import leaves no dataset behind.
 */
export async function importCsv(options: ImportCsvOptions): Promise<DatasetManifest> {
  const slate = options.slate ?? 5;
  if (!Number.isInteger(slate) || slate < 1 || slate > 255)
    throw new RangeError(`slate must be an integer in 1…255, got ${slate}`);
  const weights = options.rewardWeights ?? defaultScenario().reward;
  const source = { kind: "csv" as const, file: path.basename(options.csvPath) };
  let importer: RequestAssembler | null = null;
  let lineNo = 0;
  try {
    for await (const raw of readLines(options.csvPath, options.maxLineBytes ?? DEFAULT_MAX_CSV_LINE_BYTES)) {
      lineNo++;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      const fields = splitCsvLine(text);
      if (importer === null) {
        const header = fields.map((h) => h.trim());
        const layout = parseHeader(header, slate);
        const writer = await DatasetWriter.create(
          options.outDir,
          {
            source: { ...source, rows: 0 },
            dims: layout.dims,
            actionMode: layout.actionMode,
            names: { scores: [...SCORE_NAMES], action: [...ACTION_NAMES], ...layout.names },
            actionBounds: null,
            exploration: null,
            rewardWeights: weights,
          },
          { shardRows: options.shardRows },
        );
        importer = new RequestAssembler(layout, new RowParser(header), writer, slate, weights);
      } else await importer.addRow(fields, lineNo);
    }
    if (importer === null) throw new CsvImportError(Math.max(lineNo, 1), "the file has no header");
    return await importer.finish(lineNo, source);
  } catch (err) {
    await importer?.writer.abort();
    throw err;
  }
}

/**
 * Assembles rows into requests: a request's rows are contiguous and in rank order, so a request is
 * complete when the next row starts another one (or the file ends); then it goes to the writer.
 */
class RequestAssembler {
  /** The request being assembled: count 0 before the first row, then 1. */
  private readonly request: RequestTable;
  private readonly column: Record<string, number>;
  private readonly seenSessions = new Set<number>();
  private rows = 0;

  constructor(
    private readonly layout: Layout,
    private readonly parser: RowParser,
    readonly writer: DatasetWriter,
    private readonly slate: number,
    private readonly weights: RewardWeights,
  ) {
    this.request = RequestTable.allocate(layout.dims, 1);
    this.column = Object.fromEntries(layout.index);
  }

  async addRow(fields: string[], lineNo: number): Promise<void> {
    const { layout, parser, column, request } = this;
    if (fields.length !== layout.index.size)
      throw new CsvImportError(lineNo, `expected ${layout.index.size} fields, found ${fields.length}`);
    parser.fields = fields;
    parser.line = lineNo;
    this.rows++;
    const sessionId = parser.int(column.session_id, U32_MAX);
    const step = parser.int(column.step, U32_MAX);
    const userId = parser.int(column.user_id, U32_MAX);
    const videoId = parser.int(column.video_id, I32_MAX);
    const cols = request.cols;
    if (request.count === 1 && cols.sessionId[0] === sessionId && cols.step[0] === step) {
      this.checkRequestFields(userId);
    } else {
      if (request.count === 1) {
        if (cols.sessionId[0] === sessionId && step <= cols.step[0]) {
          throw new CsvImportError(
            lineNo,
            `session ${sessionId}: step ${step} does not follow step ${cols.step[0]} (requests must be in step order)`,
          );
        }
        await this.complete(sessionId, lineNo);
      }
      if (this.seenSessions.has(sessionId) && cols.sessionId[0] !== sessionId) {
        throw new CsvImportError(lineNo, `session ${sessionId} is not contiguous (all its requests must be adjacent)`);
      }
      this.seenSessions.add(sessionId);
      this.startRequest(sessionId, step, userId);
    }
    const position = cols.numShown[0];
    if (position >= this.slate)
      throw new CsvImportError(
        lineNo,
        `request (session ${sessionId}, step ${step}) has more than ${this.slate} items; import with a larger slate`,
      );
    if (layout.index.has("position") && parser.int(column.position, U32_MAX) !== position) {
      throw new CsvImportError(
        lineNo,
        `column position: expected ${position} (rows of a request must be in rank order)`,
      );
    }
    cols.itemId[position] = videoId;
    for (let k = 0; k < NUM_TASKS; k++)
      cols.predictions[position * NUM_TASKS + k] = parser.probability(column[SCORE_NAMES[k]]);
    const flags = FLAG_COLUMNS.map((name) => parser.flag(column[name]));
    FLAG_FIELDS.forEach((f, k) => (cols[f][position] = flags[k]));
    cols.viewed[position] = layout.index.has("viewed") ? parser.flag(column.viewed) : 1;
    const playMs = parser.int(column.play_time_ms, U32_MAX);
    cols.playTimeMs[position] = playMs;
    cols.durationMs[position] = parser.int(column.duration_ms, U32_MAX);
    cols.timeMs[position] = parser.num(column.time_ms);
    cols.rewardWatch[position] = rewardWatch(this.weights, playMs / 1000);
    const [click, longView, like, follow, comment, forward, hate] = flags;
    cols.rewardOther[position] = rewardOther(this.weights, click, longView, like, follow, comment, forward, hate);
    if (layout.actionMode === "candidate") {
      for (let d = 0; d < ACTION_DIM; d++) {
        cols.action[position * ACTION_DIM + d] = parser.positive(layout.actionCols.taken[d]);
        cols.behaviourAction[position * ACTION_DIM + d] = parser.positive(layout.actionCols.behaviour[d]);
      }
    }
    try {
      this.writer.setUser(
        userId,
        layout.featureCols.userStatic.map((i) => parser.num(i)),
      );
      this.writer.setItem(
        videoId,
        layout.featureCols.item.map((i) => parser.num(i)),
      );
    } catch (err) {
      if (err instanceof FeatureConflictError) throw new CsvImportError(lineNo, err.message);
      throw err;
    }
    cols.numShown[0] = position + 1;
  }

  async finish(lineNo: number, source: { kind: "csv"; file: string }): Promise<DatasetManifest> {
    if (this.rows === 0) throw new CsvImportError(lineNo, "the file has no data rows");
    await this.complete(null, lineNo);
    return this.writer.finish({ ...source, rows: this.rows });
  }

  /** Writes the assembled request once the next one (or the end of file) shows how it ends. */
  private async complete(nextSession: number | null, line: number): Promise<void> {
    const cols = this.request.cols;
    const sameSession = nextSession !== null && cols.sessionId[0] === nextSession;
    if (!this.layout.index.has("done")) cols.done[0] = sameSession ? 0 : 1;
    else if (cols.done[0] && sameSession)
      throw new CsvImportError(line, `session ${nextSession} continues after a request marked done`);
    this.writer.append(this.request);
    await this.writer.flush();
  }

  /** Resets the 1-row table for a new request and fills its request-level fields. */
  private startRequest(sessionId: number, step: number, userId: number): void {
    const { layout, parser, request } = this;
    for (const arr of Object.values(request.cols)) arr.fill(0);
    request.cols.itemId.fill(-1);
    request.count = 1;
    const cols = request.cols;
    cols.sessionId[0] = sessionId;
    cols.step[0] = step;
    cols.userId[0] = userId;
    cols.done[0] = layout.index.has("done") ? parser.flag(this.column.done) : 0;
    layout.featureCols.userSession.forEach((i, k) => (cols.userSession[k] = parser.num(i)));
    layout.featureCols.context.forEach((i, k) => (cols.context[k] = parser.num(i)));
    if (layout.actionMode === "request") {
      for (let d = 0; d < ACTION_DIM; d++) {
        cols.action[d] = parser.positive(layout.actionCols.taken[d]);
        cols.behaviourAction[d] = parser.positive(layout.actionCols.behaviour[d]);
      }
    }
  }

  /** A later row of a request must repeat the request-level fields of its first row. */
  private checkRequestFields(userId: number): void {
    const { layout, parser } = this;
    const cols = this.request.cols;
    const differs = (what: string) => {
      throw new CsvImportError(parser.line, `${what} differs from the first row of this request`);
    };
    if (cols.userId[0] !== userId) differs("user_id");
    if (layout.index.has("done") && cols.done[0] !== parser.flag(this.column.done)) differs("done");
    layout.featureCols.userSession.forEach(
      (i, k) => cols.userSession[k] !== Math.fround(parser.num(i)) && differs(parser.columnName(i)),
    );
    layout.featureCols.context.forEach(
      (i, k) => cols.context[k] !== Math.fround(parser.num(i)) && differs(parser.columnName(i)),
    );
    if (layout.actionMode === "request") {
      for (let d = 0; d < ACTION_DIM; d++) {
        if (cols.action[d] !== Math.fround(parser.positive(layout.actionCols.taken[d])))
          differs(`${ACTION_PREFIXES.request.taken}${ACTION_NAMES[d]}`);
        if (cols.behaviourAction[d] !== Math.fround(parser.positive(layout.actionCols.behaviour[d])))
          differs(`${ACTION_PREFIXES.request.behaviour}${ACTION_NAMES[d]}`);
      }
    }
  }
}

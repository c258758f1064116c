import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ACTION_DIM, NUM_TASKS } from "@/lib/fusion";
import {
  CsvImportError,
  DatasetWriter,
  exportCsv,
  generateDataset,
  importCsv,
  openDataset,
  type GenerateDatasetOptions,
  type RequestBatch,
} from "@/lib/dataset-format";
import { FixedFusionPolicy, OraclePolicy, World, parseScenario, rewardOther, rewardWatch } from "@/lib/simulator";

const root = mkdtempSync(path.join(os.tmpdir(), "fusionlab-datasets-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => path.join(root, `${name}-${counter++}`);

const SCENARIO = { world: { users: 300, items: 3000, topics: 8 } };
const FIXTURE = path.resolve("test/fixtures/sample-kuairand.csv");

function options(overrides: Partial<GenerateDatasetOptions> = {}): GenerateDatasetOptions {
  return {
    scenario: SCENARIO,
    seed: "ds",
    policy: new FixedFusionPolicy(),
    exploration: { perItem: true },
    sessions: 25,
    outDir: fresh("gen"),
    shardRows: 64,
    ...overrides,
  };
}

async function readAll(dir: string, batchSize = 1000): Promise<RequestBatch[]> {
  const out: RequestBatch[] = [];
  for await (const b of (await openDataset(dir)).batches(batchSize)) out.push(b);
  return out;
}

/** Concatenates every array field of the batches (the dataset's training tensors). */
function tensors(batches: RequestBatch[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const b of batches) {
    for (const [k, v] of Object.entries(b))
      if (typeof v !== "number") (out[k] ??= []).push(...Array.from(v as ArrayLike<number>));
  }
  return out;
}

function files(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f))]));
}

describe("generateDataset", () => {
  it("writes byte-identical datasets for the same scenario and seed, different ones for another seed", async () => {
    const a = options();
    const b = options();
    const c = options({ seed: "other" });
    await generateDataset(a);
    await generateDataset(b);
    await generateDataset(c);
    const fa = files(a.outDir);
    expect(Object.keys(fa).filter((f) => f.startsWith("requests-")).length).toBeGreaterThan(1);
    expect(files(b.outDir)).toEqual(fa);
    expect(files(c.outDir)["requests-00000.bin"].equals(fa["requests-00000.bin"])).toBe(false);
  });

  it("logs sessions contiguously, steps in order, done on the last request, and joins features back", async () => {
    const o = options({ exploration: { perItem: false }, sessions: 30 });
    const manifest = await generateDataset(o);
    expect(manifest.actionMode).toBe("request");
    expect(manifest.exploration).toEqual({ noise: 0.15, perItem: false });
    const world = new World(parseScenario(SCENARIO), "ds");
    const batches = await readAll(o.outDir, 37);
    const t = tensors(batches);
    const n = t.sessionId.length;
    expect(n).toBe(manifest.summary.requests);
    expect(new Set(t.sessionId).size).toBe(30);
    const dU = manifest.dims.userStatic + manifest.dims.userSession;
    const S = manifest.dims.slate;
    const weights = parseScenario(SCENARIO).reward;
    for (let r = 0; r < n; r++) {
      const continues = r + 1 < n && t.sessionId[r + 1] === t.sessionId[r];
      expect(t.done[r]).toBe(continues ? 0 : 1);
      if (r === 0 || t.sessionId[r - 1] !== t.sessionId[r]) expect(t.step[r]).toBe(0);
      else expect(t.step[r]).toBe(t.step[r - 1] + 1);
      const u = t.userId[r];
      const staticPart = t.userFeatures.slice(r * dU, r * dU + manifest.dims.userStatic);
      expect(staticPart).toEqual(
        Array.from(world.userStaticFeatures.subarray(u * staticPart.length, (u + 1) * staticPart.length)),
      );
      // The behaviour action is the fixed policy's; the taken action differs from it.
      expect(t.behaviourAction.slice(r * ACTION_DIM, (r + 1) * ACTION_DIM)).not.toEqual(
        t.action.slice(r * ACTION_DIM, (r + 1) * ACTION_DIM),
      );
      for (let p = 0; p < S; p++) {
        const i = r * S + p;
        expect(t.rewardWatch[i]).toBe(Math.fround(rewardWatch(weights, t.playTimeMs[i] / 1000)));
        const f = [
          t.isClick[i],
          t.longView[i],
          t.isLike[i],
          t.isFollow[i],
          t.isComment[i],
          t.isForward[i],
          t.isHate[i],
        ] as const;
        expect(t.rewardOther[i]).toBe(Math.fround(rewardOther(weights, ...f)));
      }
    }
    const valid = t.isClick.reduce((s, x) => s + x, 0);
    expect(manifest.summary.perSession.validConsumption).toBeCloseTo(valid / 30, 10);
    expect(t.predictions.length).toBe(n * S * NUM_TASKS);
  });

  it("logs no actions for a policy without them, and refuses an existing output directory", async () => {
    const o = options({ policy: (w) => new OraclePolicy(w), exploration: null, sessions: 5 });
    const m = await generateDataset(o);
    expect(m.actionMode).toBe("none");
    expect(m.dims.actionWidth).toBe(0);
    expect((await readAll(o.outDir))[0].action.length).toBe(0);
    await expect(generateDataset({ ...o })).rejects.toThrow(/already exists/);
  });
});

describe("DatasetWriter", () => {
  it("leaves nothing behind when aborted", async () => {
    const dir = fresh("aborted");
    const parent = path.dirname(dir);
    const before = readdirSync(parent).length;
    const w = await DatasetWriter.create(dir, {
      source: { kind: "csv", file: "x.csv", rows: 0 },
      dims: { slate: 5, tasks: NUM_TASKS, userStatic: 0, userSession: 0, context: 0, item: 0, actionWidth: 0 },
      actionMode: "none",
      names: { scores: [], action: [], userStatic: [], userSession: [], context: [], item: [] },
      actionBounds: null,
      exploration: null,
      rewardWeights: parseScenario({}).reward,
    });
    expect(readdirSync(parent).length).toBe(before + 1);
    await w.abort();
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(parent).length).toBe(before);
  });
});

describe("CSV export and import", () => {
  it.each([
    ["per-request actions", { perItem: false }],
    ["per-item actions", { perItem: true }],
    ["no exploration", null],
  ] as const)("round-trips a simulated dataset to the same training tensors (%s)", async (_label, exploration) => {
    const o = options({ exploration, sessions: 12 });
    await generateDataset(o);
    const csv = fresh("export") + ".csv";
    const { rows } = await exportCsv(o.outDir, csv);
    const imported = fresh("import");
    const m = await importCsv({ csvPath: csv, outDir: imported, shardRows: 50 });
    expect(m.source).toEqual({ kind: "csv", file: path.basename(csv), rows });
    expect(tensors(await readAll(imported, 33))).toEqual(tensors(await readAll(o.outDir, 33)));
  });

  it("imports the shipped sample to the tensors of the dataset it was simulated from", async () => {
    // test/fixtures/sample-kuairand.csv was written by:
    //   npx tsx scripts/simulate.ts --scenario test/fixtures/sample-scenario.json --sessions 6 \
    //     --seed sample --explore request --out <dir> --csv test/fixtures/sample-kuairand.csv
    const simulated = fresh("sample-sim");
    await generateDataset({
      scenario: JSON.parse(readFileSync("test/fixtures/sample-scenario.json", "utf8")),
      seed: "sample",
      policy: new FixedFusionPolicy(),
      exploration: { noise: 0.15, perItem: false },
      sessions: 6,
      outDir: simulated,
    });
    const imported = fresh("sample-import");
    const m = await importCsv({ csvPath: FIXTURE, outDir: imported });
    expect(m.source.kind === "csv" && m.source.rows).toBeGreaterThan(200);
    expect(tensors(await readAll(imported))).toEqual(tensors(await readAll(simulated)));
  });

  it(
    "reads CRLF files and files without a final newline like LF ones, and refuses a line longer than the cap by " +
      "its number",
    async () => {
      const lf = fresh("lf");
      await importCsv({ csvPath: FIXTURE, outDir: lf });
      const reference = tensors(await readAll(lf));
      const lines = readFileSync(FIXTURE, "utf8").trimEnd().split("\n");
      for (const [label, text] of [
        ["crlf", lines.join("\r\n") + "\r\n"],
        ["no-final-newline", lines.join("\n")],
      ]) {
        const csv = fresh(label) + ".csv";
        writeFileSync(csv, text);
        const out = fresh(`${label}-import`);
        await importCsv({ csvPath: csv, outDir: out, maxLineBytes: 4096 });
        expect(tensors(await readAll(out))).toEqual(reference);
      }
      // A row that is too long, far past the stream's 64 KiB chunks.
      const long = fresh("long") + ".csv";
      writeFileSync(long, [...lines.slice(0, 3), "9".repeat(300_000), ...lines.slice(3)].join("\n") + "\n");
      const err = await importCsv({ csvPath: long, outDir: fresh("long-import"), maxLineBytes: 4096 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CsvImportError);
      expect((err as CsvImportError).line).toBe(4);
      expect((err as Error).message).toMatch(/line 4: line is longer than 4096 bytes/);
    },
  );

  describe("rejects a bad file with its line number and leaves no dataset", () => {
    const lines = readFileSync(FIXTURE, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const col = (name: string) => header.indexOf(name);
    const withRow = (lineNo: number, edit: (fields: string[]) => string[]) =>
      lines.map((l, i) => (i + 1 === lineNo ? edit(l.split(",")).join(",") : l)).join("\n") + "\n";
    const set = (name: string, value: string) => (f: string[]) => f.map((x, i) => (i === col(name) ? value : x));

    const cases: [string, string, number, RegExp][] = [
      ["a flag that is not 0/1", withRow(120, set("is_click", "2")), 120, /is_click: expected 0 or 1/],
      ["a score outside [0, 1]", withRow(57, set("pLike", "1.5")), 57, /pLike/],
      ["a missing field", withRow(200, (f) => f.slice(1)), 200, /expected \d+ fields/],
      ["a non-numeric feature", withRow(33, set("i_quality", "abc")), 33, /i_quality/],
      [
        "an item whose features change",
        withRow(250, (f) => {
          const g = set("i_quality", "9")(f);
          return g;
        }),
        250,
        /features differ/,
      ],
      ["a rank position out of order", withRow(10, set("position", "4")), 10, /position/],
      [
        "a missing required column",
        lines
          .map((l) =>
            l
              .split(",")
              .filter((_, i) => i !== col("pClick"))
              .join(","),
          )
          .join("\n"),
        1,
        /pClick/,
      ],
    ];

    it.each(cases)("%s", async (_label, text, line, message) => {
      const csv = fresh("bad") + ".csv";
      writeFileSync(csv, text);
      const out = fresh("bad-import");
      const parentBefore = readdirSync(root).filter((f) => f.includes(".tmp-")).length;
      const err = await importCsv({ csvPath: csv, outDir: out }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CsvImportError);
      expect((err as CsvImportError).line).toBe(line);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(new RegExp(`^line ${line}:`));
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(root).filter((f) => f.includes(".tmp-")).length).toBe(parentBefore);
    });

    it("a session whose requests are not contiguous", async () => {
      // Move the first request's rows to the end of the file: its session then reappears.
      const firstSession = lines[1].split(",")[col("session_id")];
      const firstStep = lines[1].split(",")[col("step")];
      const isFirst = (l: string) =>
        l.split(",")[col("session_id")] === firstSession && l.split(",")[col("step")] === firstStep;
      const body = lines.slice(1);
      const text = [lines[0], ...body.filter((l) => !isFirst(l)), ...body.filter(isFirst)].join("\n") + "\n";
      const csv = fresh("noncontig") + ".csv";
      writeFileSync(csv, text);
      const out = fresh("noncontig-import");
      const err = (await importCsv({ csvPath: csv, outDir: out }).catch((e: unknown) => e)) as CsvImportError;
      expect(err).toBeInstanceOf(CsvImportError);
      expect(err.line).toBe(lines.length - body.filter(isFirst).length + 1);
      expect(existsSync(out)).toBe(false);
    });
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getDataset, startDatasetSimulation } from "@/lib/dataset-store/dataset-service";
import { MAX_UPLOAD_BYTES, receiveDatasetUpload } from "@/lib/dataset-store/import-dataset";
import { openDataset } from "@/lib/dataset-format";
import { cancelJob, type JobDeps } from "@/lib/jobs/job-service";
import { ensureQueues, startQueue } from "@/lib/jobs/queue";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker-runtime";
import { createScenario } from "@/lib/scenarios/scenario-service";
import { setupTestDatabase } from "@/test/support/test-database";

const database = setupTestDatabase("fl_data");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-data-"));
process.env.FUSIONLAB_DATA_DIR = dataDir;
let deps: JobDeps;
let worker: RunningWorker | undefined;

const upload = (p: string) => ({
  body: new Response(fs.createReadStream(p) as unknown as ReadableStream).body,
  contentLength: fs.statSync(p).size,
});

beforeAll(async () => {
  const queue = await startQueue(database.url(), { supervise: false });
  await ensureQueues(queue, JOB_REGISTRY);
  deps = { queue, registry: JOB_REGISTRY };
});

afterAll(async () => {
  await worker?.stop();
  await deps?.queue.stop({ graceful: false, wait: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function waitForDataset(id: string) {
  for (let i = 0; i < 300; i++) {
    const d = await getDataset(id);
    if (d.status !== "building") return d;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("dataset never finished");
}

describe("scenarios and datasets", () => {
  it("stores a scenario with every default filled in, and rejects bad parameters", async () => {
    const s = await createScenario(SYSTEM_ACTOR, {
      key: "small",
      name: "Small",
      config: { world: { users: 300, items: 2000 } },
    });
    expect((s.config as { world: { items: number; topics: number } }).world).toMatchObject({ items: 2000, topics: 16 });
    await expect(
      createScenario(SYSTEM_ACTOR, { key: "bad", name: "Bad", config: { world: { items: -5 } } }),
    ).rejects.toMatchObject({ code: "bad_request" });
    await expect(
      createScenario(SYSTEM_ACTOR, { key: "bad", name: "Bad", config: { noSuchSection: 1 } }),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(await db.scenario.count()).toBe(1);
  });

  it("simulates a dataset through the worker job and registers its manifest", async () => {
    const queued = await startDatasetSimulation(
      SYSTEM_ACTOR,
      { name: "logs-1", scenario: "small", seed: 7, sessions: 40, behaviour: { kind: "fixed" } },
      deps,
    );
    expect(queued.status).toBe("building");
    worker = await startWorker({
      databaseUrl: database.url(),
      registry: JOB_REGISTRY,
      workerId: "data-worker",
      log: () => {},
    });
    const d = await waitForDataset(queued.id);
    expect(d.status).toBe("ready");
    expect(d.requests).toBeGreaterThan(40);
    const manifest = d.manifest as { summary: { sessions: number }; exploration: { noise: number } | null };
    expect(manifest.summary.sessions).toBe(40);
    expect(manifest.exploration?.noise).toBe(0.15);
    const opened = await openDataset(d.storagePath!);
    expect(opened.manifest.summary.requests).toBe(d.requests);
    const job = await db.job.findUniqueOrThrow({ where: { id: d.jobId! } });
    expect(job.state).toBe("completed");
    expect(job.progress).toBe(1);
  });

  it("refuses a dataset request naming an unknown scenario or behaviour version", async () => {
    await expect(
      startDatasetSimulation(SYSTEM_ACTOR, { name: "x", scenario: "nope", sessions: 5 }, deps),
    ).rejects.toMatchObject({ code: "unprocessable" });
    await expect(
      startDatasetSimulation(
        SYSTEM_ACTOR,
        {
          name: "x",
          scenario: "small",
          sessions: 5,
          behaviour: { policyVersionId: "00000000-0000-4000-8000-000000000000" },
        },
        deps,
      ),
    ).rejects.toMatchObject({ code: "unprocessable" });
    await expect(
      startDatasetSimulation(SYSTEM_ACTOR, { name: "x", scenario: "small", sessions: 0 }, deps),
    ).rejects.toMatchObject({ code: "bad_request" });
  });

  it("cancelling a queued simulation marks its dataset failed", async () => {
    await worker?.stop();
    worker = undefined;
    const queued = await startDatasetSimulation(
      SYSTEM_ACTOR,
      { name: "cancel-me", scenario: "small", sessions: 10 },
      deps,
    );
    await cancelJob(SYSTEM_ACTOR, queued.jobId!, deps);
    const d = await getDataset(queued.id);
    expect(d.status).toBe("failed");
    expect(d.error).toBe("cancelled");
  });

  it(
    "imports the sample KuaiRand CSV through the import job; a bad row fails it by line number leaving nothing " +
      "behind",
    async () => {
      worker ??= await startWorker({
        databaseUrl: database.url(),
        registry: JOB_REGISTRY,
        workerId: "data-worker",
        log: () => {},
      });
      const fixture = path.join(process.cwd(), "test", "fixtures", "sample-kuairand.csv");
      const queued = await receiveDatasetUpload(SYSTEM_ACTOR, { name: "sample" }, upload(fixture), deps);
      expect(queued.status).toBe("building");
      expect(queued.jobId).toBeTruthy();
      const imported = await waitForDataset(queued.id);
      expect(imported.status).toBe("ready");
      expect(imported.origin).toBe("imported");
      expect(imported.requests).toBeGreaterThan(0);
      expect(fs.readdirSync(path.join(dataDir, "uploads"))).toEqual([]);
      expect(fs.statSync(path.join(dataDir, "uploads")).mode & 0o777).toBe(0o700);

      const lines = fs.readFileSync(fixture, "utf8").split("\n");
      const header = lines[0].split(",");
      const bad = lines[5].split(",");
      bad[header.indexOf("is_click")] = "maybe";
      lines[5] = bad.join(",");
      const badFile = path.join(dataDir, "bad.csv");
      fs.writeFileSync(badFile, lines.join("\n"));
      const dirsBefore = fs.readdirSync(path.join(dataDir, "datasets")).length;
      const failed = await waitForDataset(
        (await receiveDatasetUpload(SYSTEM_ACTOR, { name: "bad" }, upload(badFile), deps)).id,
      );
      expect(failed.status).toBe("failed");
      expect(failed.error).toContain("line 6");
      expect(fs.readdirSync(path.join(dataDir, "datasets")).length).toBe(dirsBefore);
      expect(fs.readdirSync(path.join(dataDir, "uploads"))).toEqual([]);
    },
  );

  it(
    "a 50 MB single-line CSV: the upload raises the web process's RSS by < 100 MB, and the job refuses line 1 as " +
      "too long",
    async () => {
      const size = 50 << 20;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= size) return controller.close();
          const n = Math.min(256 << 10, size - sent);
          sent += n;
          controller.enqueue(new Uint8Array(n).fill(0x61)); // "aaaa…", no newline anywhere
        },
      });
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const queued = await receiveDatasetUpload(
        SYSTEM_ACTOR,
        { name: "one long line" },
        { body, contentLength: null },
        deps,
      ).finally(() => clearInterval(sampler));
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(peak - before).toBeLessThan(100 << 20);
      const d = await waitForDataset(queued.id);
      expect(d.status).toBe("failed");
      expect(d.error).toMatch(/line 1: line is longer than/);
      expect(fs.readdirSync(path.join(dataDir, "uploads"))).toEqual([]);
    },
  );

  it("refuses an upload whose declared length is over the limit before reading it, and an empty one", async () => {
    const before = await db.dataset.count();
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(1024))) });
    await expect(
      receiveDatasetUpload(SYSTEM_ACTOR, { name: "huge" }, { body, contentLength: MAX_UPLOAD_BYTES + 1 }, deps),
    ).rejects.toMatchObject({ code: "payload_too_large" });
    expect(pulled).toBeLessThanOrEqual(1);
    await expect(
      receiveDatasetUpload(SYSTEM_ACTOR, { name: "empty" }, { body: new Response("").body, contentLength: 0 }, deps),
    ).rejects.toMatchObject({ code: "bad_request" });
    await expect(
      receiveDatasetUpload(SYSTEM_ACTOR, { name: "n\u0000" }, { body: new Response("x").body, contentLength: 1 }, deps),
    ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "name" }] });
    expect(await db.dataset.count()).toBe(before);
  });

  it("refuses a PNG (or any binary) uploaded as CSV by its content, storing nothing", async () => {
    const before = await db.dataset.count();
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 3)]);
    await expect(
      receiveDatasetUpload(
        SYSTEM_ACTOR,
        { name: "picture" },
        { body: new Response(png).body, contentLength: png.length },
        deps,
      ),
    ).rejects.toMatchObject({
      code: "bad_request",
      message: "not a CSV file: it is a PNG image",
      issues: [{ path: "file", message: "not a CSV file" }],
    });
    const zipLike = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0xfe]);
    await expect(
      receiveDatasetUpload(
        SYSTEM_ACTOR,
        { name: "archive" },
        { body: new Response(zipLike).body, contentLength: zipLike.length },
        deps,
      ),
    ).rejects.toMatchObject({ message: /^not a CSV file/ });
    // UTF-8 text with a multi-byte character cut at the sniffed prefix's end is still text.
    const text = Buffer.from(`${"é".repeat(5000)}\n`);
    expect(text.length).toBeGreaterThan(8192);
    const accepted = await receiveDatasetUpload(
      SYSTEM_ACTOR,
      { name: "odd but text" },
      { body: new Response(text).body, contentLength: text.length },
      deps,
    );
    expect(accepted.status).toBe("building");
    expect(await db.dataset.count()).toBe(before + 1);
    expect(fs.readdirSync(path.join(dataDir, "uploads")).filter((f) => !f.startsWith(accepted.id))).toEqual([]);
  });

  it(
    "dataset names are unique: a taken name is a 409 naming the field, for simulations and uploads " + "alike",
    async () => {
      const before = await db.dataset.count();
      await expect(
        startDatasetSimulation(SYSTEM_ACTOR, { name: "logs-1", scenario: "small", sessions: 5 }, deps),
      ).rejects.toMatchObject({
        code: "conflict",
        issues: [{ path: "name", message: "is taken: choose another name" }],
      });
      const csv = Buffer.from("a,b\n1,2\n");
      await expect(
        receiveDatasetUpload(
          SYSTEM_ACTOR,
          { name: "logs-1" },
          { body: new Response(csv).body, contentLength: csv.length },
          deps,
        ),
      ).rejects.toMatchObject({ code: "conflict" });
      expect(await db.dataset.count()).toBe(before);
      // The database enforces it too, whatever the code path.
      await expect(db.dataset.create({ data: { name: "logs-1", origin: "imported" } })).rejects.toMatchObject({
        code: "P2002",
      });
    },
  );
});

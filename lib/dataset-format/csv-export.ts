import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { ACTION_DIM, ACTION_NAMES } from "@/lib/fusion/action";
import { SCORE_NAMES } from "@/lib/fusion/tasks";
import { ACTION_PREFIXES, FEATURE_PREFIXES, LEADING } from "./csv-layout";
import { FLAG_FIELDS } from "./format";
import { openDataset } from "./reader";

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

/**
 * Streams a dataset back as batches of requests: one shard in memory at a time, whatever the
 * dataset's size. Static user and item features are joined back from the tables, so each batch
 * carries complete training tensors.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { FORMAT_VERSION, RequestTable, decodeShard, requestTableFromShard, type RequestColumns } from "./format";
import type { DatasetManifest, ShardEntry } from "./manifest";

export interface RequestBatch extends RequestColumns {
  /** Requests in this batch. */
  size: number;
  /** size × (userStatic + userSession): the user's static features, then the in-session statistics. */
  userFeatures: Float32Array;
  /** size × slate × item features of the shown items (zeros in empty slots). */
  itemFeatures: Float32Array;
}

interface EntityIndex {
  rowOf: Map<number, number>;
  features: Float32Array;
  width: number;
}

export class DatasetReader {
  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    private readonly users: EntityIndex,
    private readonly items: EntityIndex,
  ) {}

  static async open(dir: string): Promise<DatasetReader> {
    const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8")) as DatasetManifest;
    if (manifest.format !== "fusionlab.dataset" || manifest.version !== FORMAT_VERSION) {
      throw new Error(`${dir}: not a FusionLab dataset of format version ${FORMAT_VERSION}`);
    }
    const users = await loadEntities(dir, manifest.users, "user_id");
    const items = await loadEntities(dir, manifest.items, "video_id");
    return new DatasetReader(dir, manifest, users, items);
  }

  /** Batches of up to `batchSize` requests, in file order; each batch owns its arrays. */
  async *batches(batchSize = 4096): AsyncGenerator<RequestBatch> {
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const { dims } = this.manifest;
    let batch = RequestTable.allocate(dims, batchSize);
    for (const entry of this.manifest.shards) {
      const shard = requestTableFromShard(
        decodeShard(await readVerified(this.dir, entry), entry.file),
        dims,
        entry.file,
      );
      let done = 0;
      while (done < shard.count) {
        done += batch.appendFrom(shard, done, shard.count - done);
        if (batch.full) {
          yield this.materialise(batch);
          batch = RequestTable.allocate(dims, batchSize);
        }
      }
    }
    if (batch.count > 0) yield this.materialise(batch);
  }

  private materialise(t: RequestTable): RequestBatch {
    const { dims } = this.manifest;
    const n = t.count;
    const cols = t.trimmed();
    const dUs = dims.userStatic;
    const dUd = dims.userSession;
    const dU = dUs + dUd;
    const userFeatures = new Float32Array(n * dU);
    const itemFeatures = new Float32Array(n * dims.slate * dims.item);
    for (let r = 0; r < n; r++) {
      const ur = lookup(this.users, cols.userId[r], "user");
      userFeatures.set(this.users.features.subarray(ur * dUs, (ur + 1) * dUs), r * dU);
      userFeatures.set(cols.userSession.subarray(r * dUd, (r + 1) * dUd), r * dU + dUs);
      for (let p = 0; p < cols.numShown[r]; p++) {
        const ir = lookup(this.items, cols.itemId[r * dims.slate + p], "item");
        itemFeatures.set(
          this.items.features.subarray(ir * dims.item, (ir + 1) * dims.item),
          (r * dims.slate + p) * dims.item,
        );
      }
    }
    return { ...cols, size: n, userFeatures, itemFeatures };
  }
}

export const openDataset = (dir: string): Promise<DatasetReader> => DatasetReader.open(dir);

async function readVerified(dir: string, entry: ShardEntry): Promise<Buffer> {
  const buf = await fs.readFile(path.join(dir, entry.file));
  if (createHash("sha256").update(buf).digest("hex") !== entry.sha256)
    throw new Error(`${entry.file}: checksum mismatch`);
  return buf;
}

async function loadEntities(dir: string, entry: ShardEntry, idName: string): Promise<EntityIndex> {
  const shard = decodeShard(await readVerified(dir, entry), entry.file);
  const ids = shard.columns.get(idName);
  const feats = shard.columns.get("features");
  if (!ids || !feats) throw new Error(`${entry.file}: missing ${idName} or features`);
  const rowOf = new Map<number, number>();
  for (let i = 0; i < shard.rows; i++) rowOf.set(ids.data[i], i);
  return { rowOf, features: feats.data as Float32Array, width: feats.width };
}

function lookup(index: EntityIndex, id: number, what: string): number {
  const r = index.rowOf.get(id);
  if (r === undefined) throw new Error(`${what} ${id} is missing from the ${what} table`);
  return r;
}

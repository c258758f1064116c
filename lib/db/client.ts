import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import pg from "pg";
import { databaseUrl } from "@/lib/config/env";

/**
 * The one Prisma client of a process, and the pg pool under it. Prisma runs on its WASM query
 * compiler through the pg driver adapter (no native engine). Cached on globalThis so dev hot-reload
 * and multiple bundles inside one Next.js server share them. No `import "server-only"`: that package
 * throws outside the react-server condition, and the web process, workers, scripts and tests all load
 * this module under plain Node; `npm run lint` keeps it out of components/ instead.
 */
interface Connection {
  prisma: PrismaClient;
  pool: pg.Pool;
}
const shared = globalThis as unknown as { fusionlabDb?: Connection };

function connect(url = databaseUrl()): Connection {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A connection dropped while idle (database restart) is replaced on next use; it must not crash us.
  pool.on("error", (err) => console.error(`database connection lost while idle: ${err.message}`));
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    // Generous limits: a busy 2-core machine (or a worker busy with synchronous training steps in
    // the same process) can stall a short transaction for seconds without anything being wrong.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
  return { prisma, pool };
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  // Lazy: importing a module that uses `db` must not need DATABASE_URL (e.g. during `next build`).
  get(_target, prop) {
    const { prisma } = (shared.fusionlabDb ??= connect());
    const value = Reflect.get(prisma, prop);
    return typeof value === "function" ? value.bind(prisma) : value;
  },
});

/**
 * The pg pool under `db`, for the serving hot path's few fixed statements: a raw query through
 * Prisma costs ~0.5 ms more CPU than the same query on the pool, per rank request.
 */
export function sqlPool(): pg.Pool {
  return (shared.fusionlabDb ??= connect()).pool;
}

export async function disconnectDb(): Promise<void> {
  const conn = shared.fusionlabDb;
  shared.fusionlabDb = undefined;
  if (!conn) return;
  await conn.prisma.$disconnect();
  await conn.pool.end();
}

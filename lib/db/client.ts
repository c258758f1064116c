import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { databaseUrl } from "@/lib/config/env";

/**
 * The one Prisma client of a process. Prisma runs on its WASM query compiler through the pg driver
 * adapter (no native engine). Cached on globalThis so dev hot-reload and multiple bundles inside one
 * Next.js server share it.
 */
const globalForPrisma = globalThis as unknown as { fusionlabPrisma?: PrismaClient };

export function createPrismaClient(url = databaseUrl()): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 10 }),
    // Generous limits: a busy 2-core machine (or a worker busy with synchronous training steps in
    // the same process) can stall a short transaction for seconds without anything being wrong.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  // Lazy: importing a module that uses `db` must not need DATABASE_URL (e.g. during `next build`).
  get(_target, prop) {
    globalForPrisma.fusionlabPrisma ??= createPrismaClient();
    const value = Reflect.get(globalForPrisma.fusionlabPrisma, prop);
    return typeof value === "function" ? value.bind(globalForPrisma.fusionlabPrisma) : value;
  },
});

export async function disconnectDb(): Promise<void> {
  await globalForPrisma.fusionlabPrisma?.$disconnect();
  globalForPrisma.fusionlabPrisma = undefined;
}

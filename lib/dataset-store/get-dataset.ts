import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

/**
 * Reading a dataset row lives apart from dataset-service (which enqueues jobs) so that job handlers
 * can read datasets without importing the job service that imports their registry (no import cycle).
 */
export const datasetInclude = { scenario: { select: { key: true } } } as const;

export async function getDataset(id: string) {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", `no dataset "${id}"`);
  const d = await db.dataset.findUnique({ where: { id }, include: datasetInclude });
  if (!d) throw new AppError("not_found", `no dataset "${id}"`);
  return d;
}

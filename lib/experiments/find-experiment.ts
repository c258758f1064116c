import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { experimentInclude } from "@/lib/experiments/serialize-experiment";
import { parseIdOrKey } from "@/lib/validation";

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/** Routes accept an experiment's id or its key. */
export async function findExperiment(ref: string) {
  parseIdOrKey(ref);
  const e = await db.experiment.findUnique({
    where: isUuid(ref) ? { id: ref } : { key: ref },
    include: experimentInclude,
  });
  if (!e) throw new AppError("not_found", `no experiment "${ref}"`);
  return e;
}

export async function listExperiments(filter: { status?: "draft" | "running" | "stopped"; layer?: string } = {}) {
  return db.experiment.findMany({
    where: { status: filter.status, layer: filter.layer ? { key: filter.layer } : undefined },
    include: experimentInclude,
    orderBy: { createdAt: "desc" },
  });
}

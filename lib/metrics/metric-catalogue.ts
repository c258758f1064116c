import { Prisma, type Metric } from "@prisma/client";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import {
  createMetricInput,
  measureSchema,
  type MetricDefinition,
  metricRuleIssues,
  patchMetricInput,
} from "@/lib/metrics/metric-input";
import { parseIdOrKey, parseInput } from "@/lib/validation";

/** The catalogue of metrics experiments choose from: list, find, create, edit and delete user metrics. */
export function toDefinition(m: Metric): MetricDefinition {
  return {
    key: m.key,
    name: m.name,
    description: m.description,
    kind: m.kind,
    numerator: measureSchema.parse(m.numerator),
    denominator: m.denominator === null ? null : measureSchema.parse(m.denominator),
    direction: m.direction,
    cap: m.cap,
    capValue: m.capValue,
    allowedHarm: m.allowedHarm,
    builtIn: m.builtIn,
  };
}

function serialize(m: Metric) {
  return { id: m.id, ...toDefinition(m), createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() };
}
export type MetricView = ReturnType<typeof serialize>;

export async function listMetrics(): Promise<MetricView[]> {
  return (await db.metric.findMany({ orderBy: [{ builtIn: "desc" }, { key: "asc" }] })).map(serialize);
}

/** Every metric's display name by key. */
export async function metricNames(): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await db.metric.findMany({ select: { key: true, name: true } })).map((m) => [m.key, m.name]),
  );
}

/** Metrics by key, in the order asked; unknown keys are left out. */
export async function metricDefinitions(keys: readonly string[]): Promise<MetricDefinition[]> {
  const rows = new Map((await db.metric.findMany({ where: { key: { in: [...keys] } } })).map((m) => [m.key, m]));
  return keys.flatMap((k) => (rows.has(k) ? [toDefinition(rows.get(k)!)] : []));
}

/** An experiment's primary metric and guardrails must be in the catalogue: else a 422 naming the field. */
export async function assertExperimentMetrics(
  primary: string | undefined,
  guardrails: readonly string[] = [],
): Promise<void> {
  const named = [
    ...(primary === undefined ? [] : [{ key: primary, path: "primaryMetric" }]),
    ...guardrails.map((key, i) => ({ key, path: `guardrailMetrics.${i}` })),
  ];
  const known = new Set(
    (await db.metric.findMany({ where: { key: { in: named.map((n) => n.key) } }, select: { key: true } })).map(
      (m) => m.key,
    ),
  );
  const issues = named
    .filter((n) => !known.has(n.key))
    .map((n) => ({ path: n.path, message: `no metric "${n.key}" in the catalogue` }));
  if (issues.length) throw new AppError("unprocessable", issues.map((i) => i.message).join("; "), issues);
}

async function findMetricRow(ref: string): Promise<Metric> {
  parseIdOrKey(ref);
  const isUuid = z.uuid().safeParse(ref).success;
  const m = await db.metric.findUnique({ where: isUuid ? { id: ref } : { key: ref } });
  if (!m) throw new AppError("not_found", `no metric "${ref}"`);
  return m;
}

export async function findMetric(ref: string): Promise<MetricView> {
  return serialize(await findMetricRow(ref));
}

function assertEditable(m: Metric) {
  if (m.builtIn) throw new AppError("conflict", `"${m.key}" is a built-in metric and cannot be changed or deleted`);
}

const json = (v: unknown) => v as Prisma.InputJsonValue;
const nullableJson = (v: unknown) => (v === null ? Prisma.DbNull : json(v));

export async function createMetric(actor: Actor, raw: unknown): Promise<MetricView> {
  const input = parseInput(createMetricInput, raw, "metric");
  try {
    return await db.$transaction(async (tx) => {
      const m = await tx.metric.create({
        data: {
          ...input,
          numerator: json(input.numerator),
          denominator: nullableJson(input.denominator),
          createdById: actor.kind === "user" ? actor.userId : null,
        },
      });
      const view = serialize(m);
      await recordAudit(tx, actor, { action: "metric.create", entityType: "Metric", entityId: m.id, after: view });
      return view;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `a metric with key "${input.key}" already exists`, [
        { path: "key", message: "is taken" },
      ]);
    }
    throw err;
  }
}

export async function updateMetric(actor: Actor, ref: string, raw: unknown): Promise<MetricView> {
  const patch = parseInput(patchMetricInput, raw, "metric");
  const before = await findMetricRow(ref);
  assertEditable(before);
  const merged = { ...toDefinition(before), ...patch };
  // The edit is checked as a whole definition: e.g. switching kind away from ratio must drop the denominator.
  const issues = metricRuleIssues(merged);
  if (issues.length)
    throw new AppError(
      "bad_request",
      `invalid metric: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
    );
  return db.$transaction(async (tx) => {
    const m = await tx.metric.update({
      where: { id: before.id },
      data: {
        ...patch,
        numerator: patch.numerator && json(patch.numerator),
        denominator: patch.denominator === undefined ? undefined : nullableJson(patch.denominator),
      },
    });
    const view = serialize(m);
    await recordAudit(tx, actor, {
      action: "metric.update",
      entityType: "Metric",
      entityId: m.id,
      before: serialize(before),
      after: view,
    });
    return view;
  });
}

export async function deleteMetric(actor: Actor, ref: string): Promise<{ deleted: string }> {
  const m = await findMetricRow(ref);
  assertEditable(m);
  const users = await db.experiment.findMany({
    where: { OR: [{ primaryMetric: m.key }, { guardrailMetrics: { has: m.key } }] },
    select: { key: true },
  });
  if (users.length)
    throw new AppError("conflict", `metric "${m.key}" is used by experiments ${users.map((e) => e.key).join(", ")}`);
  await db.$transaction(async (tx) => {
    await tx.metric.delete({ where: { id: m.id } });
    await recordAudit(tx, actor, {
      action: "metric.delete",
      entityType: "Metric",
      entityId: m.id,
      before: serialize(m),
    });
  });
  return { deleted: m.key };
}

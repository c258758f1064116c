/**
 * Simulate sessions with a reference policy and write a dataset.
 *
 *   npx tsx scripts/simulate.ts --scenario <file> --sessions N --out <dir>
 *       [--seed S] [--policy fixed|random|oracle] [--explore none|request|item] [--noise 0.15]
 *       [--requests N] [--num-envs N] [--csv <file>]
 *
 * --scenario is a JSON scenario file (omit for the default scenario); --explore wraps the fixed
 * policy in bounded exploration; --requests stops starting sessions after N requests; --csv also
 * exports the dataset as KuaiRand-layout CSV. Prints one JSON summary on stdout.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exportCsv, generateDataset } from "@/lib/dataset-format";
import { FixedFusionPolicy, OraclePolicy, RandomPolicy, parseScenario, type Policy, type World } from "@/lib/simulator";

const POLICIES: Record<string, (world: World) => Policy> = {
  fixed: () => new FixedFusionPolicy(),
  random: () => new RandomPolicy(),
  oracle: (world) => new OraclePolicy(world),
};

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      sessions: { type: "string" },
      out: { type: "string" },
      seed: { type: "string", default: "1" },
      policy: { type: "string", default: "fixed" },
      explore: { type: "string", default: "none" },
      noise: { type: "string", default: "0.15" },
      requests: { type: "string" },
      "num-envs": { type: "string" },
      csv: { type: "string" },
    },
    strict: true,
  });
  const sessions = positiveInt("sessions", values.sessions);
  if (!sessions || !values.out)
    throw new Error(
      "usage: simulate.ts --sessions N --out <dir> [--scenario <file>] [--seed S] [--policy fixed|random|oracle] …",
    );
  const makePolicy = POLICIES[values.policy];
  if (!makePolicy) throw new Error(`--policy must be one of ${Object.keys(POLICIES).join(", ")}`);
  if (!["none", "request", "item"].includes(values.explore)) throw new Error("--explore must be none, request or item");
  if (values.explore !== "none" && values.policy !== "fixed")
    throw new Error(`--explore needs a policy with actions (fixed), not ${values.policy}`);
  const scenario = parseScenario(values.scenario ? readFileSync(values.scenario, "utf8") : {});
  const started = performance.now();
  const manifest = await generateDataset({
    scenario,
    seed: values.seed,
    policy: makePolicy,
    exploration: values.explore === "none" ? null : { noise: Number(values.noise), perItem: values.explore === "item" },
    sessions,
    requestBudget: positiveInt("requests", values.requests),
    numEnvs: positiveInt("num-envs", values["num-envs"]),
    outDir: values.out,
    onProgress: (p) => process.stderr.write(`\r${p.sessionsDone}/${p.sessionsTotal} sessions, ${p.requests} requests`),
  });
  process.stderr.write("\n");
  const csv = values.csv ? { file: values.csv, ...(await exportCsv(values.out, values.csv)) } : null;
  const bytes = manifest.shards.reduce((s, x) => s + x.bytes, manifest.users.bytes + manifest.items.bytes);
  console.log(
    JSON.stringify({
      out: values.out,
      scenario: scenario.name,
      seed: values.seed,
      policy: manifest.source.kind === "simulator" ? manifest.source.policy : values.policy,
      actionMode: manifest.actionMode,
      seconds: +((performance.now() - started) / 1000).toFixed(2),
      bytes,
      shards: manifest.shards.length,
      csv,
      summary: manifest.summary,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

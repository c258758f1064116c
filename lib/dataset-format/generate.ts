/**
 * Simulates sessions with a behaviour policy (optionally exploring) and logs every request into a
 * dataset directory. Rows are buffered per environment slot until their session ends, so each
 * session's requests are contiguous and in step order in the files. Output is a pure function of
 * (scenario, seed, policy, exploration, sessions, requestBudget, numEnvs, shardRows).
 */
import { ACTION_DIM, ACTION_NAMES, DEFAULT_ACTION_BOUNDS } from "@/lib/fusion/action";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion/tasks";
import type { RequestOutcome } from "@/lib/simulator/env";
import { withExploration, type ExplorationOptions } from "@/lib/simulator/reference-policies";
import type { Policy, PolicyDecision, RequestObservation } from "@/lib/simulator/simulator-policy";
import { rollout } from "@/lib/simulator/rollout";
import { parseScenario, type Scenario } from "@/lib/simulator/scenario";
import { World } from "@/lib/simulator/world";
import { RequestTable, actionWidth, type DatasetDims } from "./format";
import type { DatasetManifest } from "./manifest";
import { DatasetWriter } from "./writer";

export interface GenerateProgress {
  sessionsDone: number;
  sessionsTotal: number;
  requests: number;
}

export interface GenerateDatasetOptions {
  /** A parsed Scenario or a raw scenario object/JSON string (validated). */
  scenario: Scenario | unknown;
  seed: string | number;
  /** The behaviour policy, or a factory given the world (the oracle needs it). */
  policy: Policy | ((world: World) => Policy);
  /** Wrap the policy in bounded exploration (docs/architecture.md §7); null/undefined: log the policy as is. */
  exploration?: ExplorationOptions | null;
  sessions: number;
  /** Stop starting sessions after this many requests (running sessions finish). */
  requestBudget?: number;
  outDir: string;
  /** Parallel environment slots; part of what determines the file bytes. Default 64. */
  numEnvs?: number;
  shardRows?: number;
  onProgress?: (progress: GenerateProgress) => void;
  /** Stops the run between steps (the partial output is removed and the abort reason thrown). */
  signal?: AbortSignal;
}

export async function generateDataset(options: GenerateDatasetOptions): Promise<DatasetManifest> {
  const scenario = parseScenario(options.scenario);
  const seed = String(options.seed);
  const numEnvs = options.numEnvs ?? 64;
  const world = new World(scenario, seed);
  const base = typeof options.policy === "function" ? options.policy(world) : options.policy;
  const policy = options.exploration ? withExploration(base, options.exploration) : base;
  const { layout } = world;
  const S = scenario.session.shown;
  const dims: DatasetDims = {
    slate: S,
    tasks: NUM_TASKS,
    userStatic: layout.userStatic.length,
    userSession: layout.userSession.length,
    context: layout.context.length,
    item: layout.item.length,
    actionWidth: actionWidth(policy.actionMode, S),
  };
  const writer = await DatasetWriter.create(
    options.outDir,
    {
      source: {
        kind: "simulator",
        scenario,
        seed,
        policy: policy.name,
        sessions: options.sessions,
        requestBudget: options.requestBudget ?? null,
        numEnvs,
      },
      dims,
      actionMode: policy.actionMode,
      names: { scores: [...SCORE_NAMES], action: [...ACTION_NAMES], ...layout },
      actionBounds:
        policy.actionMode === "none"
          ? null
          : (() => {
              const b = policy.exploration?.bounds ?? DEFAULT_ACTION_BOUNDS;
              return { centre: Array.from(b.centre), range: Array.from(b.range) };
            })(),
      exploration: policy.exploration ? { noise: policy.exploration.noise, perItem: policy.exploration.perItem } : null,
      rewardWeights: scenario.reward,
    },
    { shardRows: options.shardRows },
  );
  try {
    const sessionRows = Array.from({ length: numEnvs }, () =>
      RequestTable.allocate(dims, scenario.session.maxRequests),
    );
    let sessionsDone = 0;
    let requests = 0;
    const progressEvery = Math.max(1, Math.floor(options.sessions / 100));
    const record = logRow(world, dims, policy, writer);
    await rollout({
      world,
      policy,
      sessions: options.sessions,
      numEnvs,
      seed,
      requestBudget: options.requestBudget,
      onRequest: (obs, decision, outcome) => {
        const t = sessionRows[obs.slot];
        record(t, obs, decision, outcome);
        requests++;
        if (outcome.done) {
          writer.append(t);
          t.count = 0;
          sessionsDone++;
          if (sessionsDone % progressEvery === 0)
            options.onProgress?.({ sessionsDone, sessionsTotal: options.sessions, requests });
        }
      },
      afterStep: () => {
        options.signal?.throwIfAborted();
        return writer.flush();
      },
    });
    options.onProgress?.({ sessionsDone, sessionsTotal: options.sessions, requests });
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Returns the function that appends one request (observation, decision, outcome) to a row table. */
function logRow(world: World, dims: DatasetDims, policy: Policy, writer: DatasetWriter) {
  const S = dims.slate;
  const K = NUM_TASKS;
  const D = ACTION_DIM;
  const A = dims.actionWidth;
  const dUs = dims.userStatic;
  const dI = dims.item;
  const explores = policy.exploration !== undefined;
  return (t: RequestTable, obs: RequestObservation, decision: PolicyDecision, out: RequestOutcome): void => {
    const c = t.cols;
    const r = t.count++;
    const u = obs.userId;
    if (!writer.hasUser(u)) writer.setUser(u, world.userStaticFeatures.subarray(u * dUs, (u + 1) * dUs));
    c.sessionId[r] = obs.sessionId;
    c.step[r] = obs.step;
    c.userId[r] = u;
    c.done[r] = out.done ? 1 : 0;
    c.numShown[r] = out.numShown;
    c.userSession.set(obs.userFeatures.subarray(dUs), r * dims.userSession);
    c.context.set(obs.context, r * dims.context);
    for (let p = 0; p < S; p++) {
      const i = r * S + p;
      const j = out.itemIds[p];
      if (!writer.hasItem(j)) writer.setItem(j, world.itemFeatures.subarray(j * dI, (j + 1) * dI));
      const cand = out.shown[p];
      c.itemId[i] = j;
      c.predictions.set(obs.predictions.subarray(cand * K, (cand + 1) * K), i * K);
      c.viewed[i] = out.viewed[p];
      c.isClick[i] = out.isClick[p];
      c.longView[i] = out.longView[p];
      c.isLike[i] = out.isLike[p];
      c.isFollow[i] = out.isFollow[p];
      c.isComment[i] = out.isComment[p];
      c.isForward[i] = out.isForward[p];
      c.isHate[i] = out.isHate[p];
      c.playTimeMs[i] = out.playTimeMs[p];
      c.durationMs[i] = out.durationMs[p];
      c.timeMs[i] = out.timeMs[p];
      c.rewardWatch[i] = out.rewardWatch[p];
      c.rewardOther[i] = out.rewardOther[p];
      if (A === S * D) {
        c.action.set(decision.action.subarray(cand * D, (cand + 1) * D), r * A + p * D);
        c.behaviourAction.set(
          (explores ? decision.behaviourAction : decision.action).subarray(cand * D, (cand + 1) * D),
          r * A + p * D,
        );
      }
    }
    if (A === D) {
      c.action.set(decision.requestAction, r * A);
      c.behaviourAction.set(explores ? decision.requestBehaviourAction : decision.requestAction, r * A);
    }
  };
}

import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { trafficKeyName } from "@/lib/traffic/traffic-key";
import { loadEnv } from "@/lib/config/env";
import { behaviourPolicy } from "@/lib/dataset-store/behaviour-policy";
import { INTERACTION_TYPES } from "@/lib/events/event-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { PermanentJobError, type JobHandler } from "@/lib/jobs/define-job";
import { findScenario } from "@/lib/scenarios/scenario-service";
import { parseScenario, rollout, World } from "@/lib/simulator";
import { HttpRankPolicy, simUserId } from "@/lib/traffic/http-rank-policy";
import { outcomeEvents, type FeedbackEvent } from "@/lib/traffic/outcome-events";
import { PlatformClient } from "@/lib/traffic/platform-client";
import type { SimulateTrafficInput } from "@/lib/traffic/traffic-input";

const EVENT_BATCH = 1_000;
const INTERACTIONS = new Set<string>(INTERACTION_TYPES);

/** Totals over requests: of the feedback sent for one arm's requests, or of the simulator's session metrics. */
interface FeedbackTotals {
  requests: number;
  validConsumption: number;
  durationSeconds: number;
  interactions: number;
}
const emptyTotals = (): FeedbackTotals => ({ requests: 0, validConsumption: 0, durationSeconds: 0, interactions: 0 });

/**
 * The `simulate-traffic` job: simulated users of a scenario browse through the real HTTP API —
 * POST /api/v1/rank for every request, POST /api/v1/events for what they did — so an experiment
 * gets traffic exactly as a production ranking service would send it. First a pre-period on the
 * control policy (played locally, its events sent back-dated and outside any experiment) gives
 * reports their CUPED covariate.
 */
export const runTraffic: JobHandler<SimulateTrafficInput> = async (input, ctx) => {
  const baseUrl = loadEnv().FUSIONLAB_INTERNAL_URL;
  if (!baseUrl)
    throw new PermanentJobError("FUSIONLAB_INTERNAL_URL is not set: the worker does not know where the API is");
  const experiment = await findExperiment(input.experiment);
  if (experiment.status !== "running" || !experiment.startedAt)
    throw new PermanentJobError(`experiment "${experiment.key}" is ${experiment.status}; start it first`);
  const scenarioRow = await findScenario(input.scenario);
  const scenario = parseScenario({
    ...(scenarioRow.config as object),
    world: { ...(scenarioRow.config as { world: object }).world, users: input.users },
  });
  const world = new World(scenario, input.seed);
  const sessions = Math.round(input.users * input.sessionsPerUser);
  const key = await createApiKey(SYSTEM_ACTOR, { name: trafficKeyName(ctx.jobId), scopes: ["serve"] });
  const client = new PlatformClient(baseUrl, key.key);
  const buffered: FeedbackEvent[] = [];
  const totals = { requests: 0, events: 0, accepted: 0, duplicates: 0, preEvents: 0 };
  const flush = async (all: boolean) => {
    while (buffered.length >= EVENT_BATCH || (all && buffered.length > 0)) {
      const batch = buffered.splice(0, EVENT_BATCH);
      const r = await client.post<{ accepted: number; duplicates: number }>("/api/v1/events", { events: batch });
      totals.events += batch.length;
      totals.accepted += r.accepted;
      totals.duplicates += r.duplicates;
    }
  };

  try {
    if (input.prePeriodDays > 0) {
      const control = experiment.arms.find((a) => a.isControl)!;
      const policy = await behaviourPolicy(
        control.policyVersionId ? { policyVersionId: control.policyVersionId } : { kind: "fixed" },
      );
      const spanMs = input.prePeriodDays * 86_400_000;
      const start = experiment.startedAt.getTime() - spanMs;
      await rollout({
        world,
        policy: policy(world),
        sessions,
        seed: `${input.seed}:pre`,
        numEnvs: 64,
        onRequest: (obs, _decision, out) => {
          // Sessions spread evenly over the pre-period, ending before the experiment starts.
          const ts = new Date(start + ((obs.sessionId + 0.5) / sessions) * spanMs).toISOString();
          buffered.push(
            ...outcomeEvents(
              `${ctx.jobId}:pre:${obs.sessionId}:${obs.step}`,
              out,
              obs.candidateIds,
              simUserId(input.seed, obs.userId),
              undefined,
              ts,
            ),
          );
        },
        onSessionEnd: (m) =>
          void ctx.progress((0.2 * (m.sessionId + 1)) / sessions, "pre-period on the control policy").catch(() => {}),
        afterStep: () => flush(false),
      });
      await flush(true);
      totals.preEvents = totals.events;
      await ctx.log(`pre-period: ${sessions} sessions over ${input.prePeriodDays} days, ${totals.preEvents} events`);
    }

    const policy = new HttpRankPolicy(client, input.seed, world.layout, scenario.session.shown);
    // Two accounts of the experiment period, for checking reports end to end: the feedback sent,
    // per arm that served the request ("(none)": outside the experiment, e.g. before a web process
    // has seen the start), and the simulator's own session metrics over all requests.
    const arms: Record<string, FeedbackTotals & { userIds: Set<string> }> = {};
    const simulator = { sessions: 0, ...emptyTotals() };
    const result = await rollout({
      world,
      policy,
      sessions,
      seed: `${input.seed}:experiment`,
      numEnvs: input.concurrency,
      onRequest: (obs, _decision, out) => {
        totals.requests++;
        const response = policy.responses[obs.slot];
        const userId = simUserId(input.seed, obs.userId);
        const events = outcomeEvents(
          `${ctx.jobId}:${obs.sessionId}:${obs.step}`,
          out,
          obs.candidateIds,
          userId,
          response?.decisionId,
          undefined,
        );
        buffered.push(...events);
        const t = (arms[response?.arm ?? "(none)"] ??= { ...emptyTotals(), userIds: new Set() });
        t.userIds.add(userId);
        t.requests++;
        for (const e of events) {
          if (e.type === "valid_play") t.validConsumption++;
          else if (e.type === "play") t.durationSeconds += e.value!;
          else if (INTERACTIONS.has(e.type)) t.interactions++;
        }
      },
      onSessionEnd: (m) => {
        simulator.sessions++;
        simulator.requests += m.depth;
        simulator.validConsumption += m.validConsumption;
        simulator.durationSeconds += m.durationSeconds;
        simulator.interactions += m.interactions;
      },
      afterStep: async () => {
        ctx.signal.throwIfAborted();
        await flush(false);
        await ctx.progress(
          0.2 + (0.8 * simulator.sessions) / sessions,
          `${simulator.sessions} of ${sessions} sessions, ${totals.requests} rank requests`,
        );
      },
    });
    await flush(true);
    await ctx.log(
      `experiment ` +
        `period: ${result.sessions} sessions, ${totals.requests} rank requests, ${totals.events} events sent ` +
        `(${totals.accepted} accepted)`,
    );
    const feedback = Object.fromEntries(
      Object.entries(arms).map(([arm, { userIds, ...t }]) => [arm, { ...t, users: userIds.size }]),
    );
    return { sessions: result.sessions, ...totals, feedback, simulator };
  } finally {
    await revokeApiKey(SYSTEM_ACTOR, key.id);
  }
};

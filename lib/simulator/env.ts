/**
 * Session dynamics as a vectorised environment: `numEnvs` slots step in lockstep, each running one
 * session at a time; when a session ends its slot starts the next one until `sessions` sessions
 * (or `requestBudget` requests) have been started. Each session draws all its randomness from
 * streams derived from (seed, session id), so a session's trajectory depends only on the world,
 * the seed, its id and the policy — not on numEnvs or on what other slots do.
 *
 * One request: the candidate generator draws n candidates (mostly from the user's interest
 * topics, some uniformly, none already shown in this session), the MTL layer predicts their
 * scores, the policy scores them, the top `shown` are displayed, and the user views them in rank
 * order, updating patience after each; a user out of patience stops viewing (the rest of the list
 * is logged as not viewed) and the session ends. Each request also costs patience, and a session
 * ends at `maxRequests` or by an exogenous leave (per-request probability by activity level).
 *
 * All per-slot buffers are views into contiguous arrays (`buffers`), so a batched policy can also
 * read the whole batch at once: slot s owns rows [s·n, (s+1)·n) of the candidate-level arrays.
 */
import { ACTION_DIM } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import { patienceDelta, rewardOther, rewardWatch } from "./outcome";
import type { PolicyDecision, RequestObservation } from "./simulator-policy";
import { CH, EPOCH_MS, type World } from "./world";

export interface VecEnvOptions {
  /** Total sessions to run; their ids are 0 … sessions − 1. */
  sessions: number;
  /** Parallel slots (the policy's batch size). Default 64. */
  numEnvs?: number;
  /** Seed of the session streams; default the world's seed. */
  seed?: string | number;
  /** Start no new session once this many requests have been made (running sessions finish). */
  requestBudget?: number;
}

/** Per-session totals, reported when a session ends. */
export interface SessionMetrics {
  sessionId: number;
  userId: number;
  /** Requests (session depth). */
  depth: number;
  /** Valid plays (is_click). */
  validConsumption: number;
  /** Total watch time, seconds. */
  durationSeconds: number;
  /** Likes + follows + comments + forwards. */
  interactions: number;
  hates: number;
  rewardWatch: number;
  rewardOther: number;
}

/** Result of one request, in rank order of the shown items; valid until the slot's next step. */
export interface RequestOutcome {
  readonly numShown: number;
  /** Candidate indices (into the observation's arrays) of the shown items. */
  readonly shown: Int32Array;
  readonly itemIds: Int32Array;
  readonly viewed: Uint8Array;
  readonly isClick: Uint8Array;
  readonly longView: Uint8Array;
  readonly isLike: Uint8Array;
  readonly isFollow: Uint8Array;
  readonly isComment: Uint8Array;
  readonly isForward: Uint8Array;
  readonly isHate: Uint8Array;
  readonly playTimeMs: Uint32Array;
  readonly durationMs: Uint32Array;
  readonly timeMs: Float64Array;
  readonly rewardWatch: Float64Array;
  readonly rewardOther: Float64Array;
  /** The session ended with this request. */
  readonly done: boolean;
}

// Local copies of imported constants read in hot loops: module transformers (vitest's runner,
// CommonJS builds) turn every read of an imported binding into a property or getter access.
const K = NUM_TASKS;
const C = CH;

/** Session starts are spread over a 30-day window after EPOCH_MS. */
const SESSION_WINDOW_MS = 30 * 24 * 3600 * 1000;
/** Redraws of a candidate that duplicates one in the request or one already shown in the session. */
const CANDIDATE_TRIES = 20;

class SlotObservation implements RequestObservation {
  sessionId = -1;
  step = 0;
  userId = -1;
  rng: Rng = new Rng(0);
  /** Bumped per request; itemFeatures are gathered lazily when it differs from gatheredAt. */
  version = 0;
  private gatheredAt = -1;

  constructor(
    readonly slot: number,
    readonly numCandidates: number,
    readonly userFeatures: Float32Array,
    readonly context: Float32Array,
    readonly candidateIds: Int32Array,
    readonly predictions: Float32Array,
    private readonly itemBuffer: Float32Array,
    private readonly world: World,
  ) {}

  get itemFeatures(): Float32Array {
    if (this.gatheredAt !== this.version) {
      const dI = this.world.layout.item.length;
      const table = this.world.itemFeatures;
      for (let c = 0; c < this.numCandidates; c++) {
        const j = this.candidateIds[c];
        this.itemBuffer.set(table.subarray(j * dI, (j + 1) * dI), c * dI);
      }
      this.gatheredAt = this.version;
    }
    return this.itemBuffer;
  }
}

class SlotOutcome implements RequestOutcome {
  numShown = 0;
  done = false;
  readonly shown: Int32Array;
  readonly itemIds: Int32Array;
  readonly viewed: Uint8Array;
  readonly isClick: Uint8Array;
  readonly longView: Uint8Array;
  readonly isLike: Uint8Array;
  readonly isFollow: Uint8Array;
  readonly isComment: Uint8Array;
  readonly isForward: Uint8Array;
  readonly isHate: Uint8Array;
  readonly playTimeMs: Uint32Array;
  readonly durationMs: Uint32Array;
  readonly timeMs: Float64Array;
  readonly rewardWatch: Float64Array;
  readonly rewardOther: Float64Array;
  /** Scores of the shown items during top-k selection. */
  readonly topScores: Float64Array;

  constructor(s: number) {
    this.shown = new Int32Array(s);
    this.itemIds = new Int32Array(s);
    this.viewed = new Uint8Array(s);
    this.isClick = new Uint8Array(s);
    this.longView = new Uint8Array(s);
    this.isLike = new Uint8Array(s);
    this.isFollow = new Uint8Array(s);
    this.isComment = new Uint8Array(s);
    this.isForward = new Uint8Array(s);
    this.isHate = new Uint8Array(s);
    this.playTimeMs = new Uint32Array(s);
    this.durationMs = new Uint32Array(s);
    this.timeMs = new Float64Array(s);
    this.rewardWatch = new Float64Array(s);
    this.rewardOther = new Float64Array(s);
    this.topScores = new Float64Array(s);
  }
}

interface Slot {
  readonly obs: SlotObservation;
  readonly decision: PolicyDecision;
  readonly outcome: SlotOutcome;
  active: boolean;
  rng: Rng;
  seen: Set<number>;
  patience: number;
  patienceCap: number;
  emaValid: number;
  emaLike: number;
  startMs: number;
  clockMs: number;
  metrics: SessionMetrics;
}

export class VecEnv {
  readonly world: World;
  readonly numEnvs: number;
  readonly numCandidates: number;
  readonly numShown: number;
  /** Contiguous storage behind every slot's views (slot-major). */
  readonly buffers: {
    userFeatures: Float32Array;
    context: Float32Array;
    candidateIds: Int32Array;
    predictions: Float32Array;
    itemFeatures: Float32Array;
    scores: Float64Array;
    action: Float64Array;
    behaviourAction: Float64Array;
  };
  private readonly slots: Slot[];
  private readonly seed: string;
  private readonly sessions: number;
  private readonly requestBudget: number;
  private nextSession = 0;
  private requestsStarted = 0;
  private activeObs: SlotObservation[] = [];
  private activeDecisions: PolicyDecision[] = [];
  private activeSlots: Slot[] = [];
  private readonly candidateStamp: Int32Array;
  private stamp = 0;

  constructor(world: World, options: VecEnvOptions) {
    const { sessions, numEnvs = 64, requestBudget = Infinity } = options;
    if (!Number.isInteger(sessions) || sessions < 0)
      throw new RangeError(`sessions must be a non-negative integer, got ${sessions}`);
    if (!Number.isInteger(numEnvs) || numEnvs <= 0)
      throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
    this.world = world;
    this.seed = String(options.seed ?? world.seed);
    this.sessions = sessions;
    this.requestBudget = requestBudget;
    this.numEnvs = numEnvs;
    const n = (this.numCandidates = world.scenario.session.candidates);
    const S = (this.numShown = world.scenario.session.shown);
    const { layout } = world;
    const dU = layout.userStatic.length + layout.userSession.length;
    const dC = layout.context.length;
    const dI = layout.item.length;
    this.buffers = {
      userFeatures: new Float32Array(numEnvs * dU),
      context: new Float32Array(numEnvs * dC),
      candidateIds: new Int32Array(numEnvs * n),
      predictions: new Float32Array(numEnvs * n * NUM_TASKS),
      itemFeatures: new Float32Array(numEnvs * n * dI),
      scores: new Float64Array(numEnvs * n),
      action: new Float64Array(numEnvs * n * ACTION_DIM),
      behaviourAction: new Float64Array(numEnvs * n * ACTION_DIM),
    };
    this.candidateStamp = new Int32Array(world.numItems);
    const b = this.buffers;
    const view = <A extends Float32Array | Float64Array | Int32Array>(arr: A, s: number, width: number) =>
      arr.subarray(s * width, (s + 1) * width) as A;
    this.slots = Array.from({ length: numEnvs }, (_, s) => {
      const action = view(b.action, s, n * ACTION_DIM);
      const behaviourAction = view(b.behaviourAction, s, n * ACTION_DIM);
      return {
        obs: new SlotObservation(
          s,
          n,
          view(b.userFeatures, s, dU),
          view(b.context, s, dC),
          view(b.candidateIds, s, n),
          view(b.predictions, s, n * NUM_TASKS),
          view(b.itemFeatures, s, n * dI),
          world,
        ),
        decision: {
          scores: view(b.scores, s, n),
          action,
          requestAction: action.subarray(0, ACTION_DIM),
          behaviourAction,
          requestBehaviourAction: behaviourAction.subarray(0, ACTION_DIM),
        },
        outcome: new SlotOutcome(S),
        active: false,
        rng: new Rng(0),
        seen: new Set<number>(),
        patience: 0,
        patienceCap: 0,
        emaValid: 0,
        emaLike: 0,
        startMs: 0,
        clockMs: 0,
        metrics: emptyMetrics(-1, -1),
      };
    });
    for (const slot of this.slots) this.startSession(slot);
    this.collectActive();
  }

  /** Observations of the active slots, in slot order (the batch to hand to Policy.act). */
  get observations(): readonly RequestObservation[] {
    return this.activeObs;
  }

  /** Decisions of the active slots, aligned with `observations`. */
  get decisions(): readonly PolicyDecision[] {
    return this.activeDecisions;
  }

  /** True once every session has ended. */
  get finished(): boolean {
    return this.activeSlots.length === 0;
  }

  /**
   * Applies the current decisions of all active slots. `onRequest` sees each request's observation,
   * decision and outcome before the slot moves on (the place to log a dataset row or an RL
   * transition). Then every slot prepares its next request, ended sessions are replaced by new
   * ones, and the metrics of the sessions that ended are returned.
   */
  step(
    onRequest?: (obs: RequestObservation, decision: PolicyDecision, outcome: RequestOutcome) => void,
  ): SessionMetrics[] {
    const ended: SessionMetrics[] = [];
    for (const slot of this.activeSlots) {
      this.respond(slot);
      onRequest?.(slot.obs, slot.decision, slot.outcome);
      if (slot.outcome.done) {
        ended.push(slot.metrics);
        this.startSession(slot);
      } else {
        slot.obs.step++;
        this.prepareRequest(slot);
      }
    }
    this.collectActive();
    return ended;
  }

  private collectActive(): void {
    this.activeSlots = this.slots.filter((s) => s.active);
    this.activeObs = this.activeSlots.map((s) => s.obs);
    this.activeDecisions = this.activeSlots.map((s) => s.decision);
  }

  private startSession(slot: Slot): void {
    if (this.nextSession >= this.sessions || this.requestsStarted >= this.requestBudget) {
      slot.active = false;
      return;
    }
    const id = this.nextSession++;
    const world = this.world;
    const rng = Rng.derive(this.seed, "session", id);
    const u = world.sampleSessionUser(rng);
    slot.active = true;
    slot.rng = rng;
    slot.obs.rng = Rng.derive(this.seed, "policy", id);
    slot.obs.sessionId = id;
    slot.obs.userId = u;
    slot.obs.step = 0;
    slot.seen = new Set<number>();
    slot.patience = world.userPatience[u];
    slot.patienceCap = world.userPatience[u] * world.scenario.patience.capFactor;
    slot.emaValid = 0;
    slot.emaLike = 0;
    slot.startMs = slot.clockMs = EPOCH_MS + Math.floor(rng.next() * SESSION_WINDOW_MS);
    slot.metrics = emptyMetrics(id, u);
    const dUs = world.layout.userStatic.length;
    slot.obs.userFeatures.set(world.userStaticFeatures.subarray(u * dUs, (u + 1) * dUs));
    this.prepareRequest(slot);
  }

  /** Session features, context, candidates and their predicted scores for the slot's next request. */
  private prepareRequest(slot: Slot): void {
    const world = this.world;
    const { obs, rng } = slot;
    const u = obs.userId;
    const dUs = world.layout.userStatic.length;
    obs.userFeatures[dUs] = Math.log1p(obs.step);
    obs.userFeatures[dUs + 1] = slot.emaValid;
    obs.userFeatures[dUs + 2] = slot.emaLike;
    obs.context[0] = Math.log1p((slot.clockMs - slot.startMs) / 60000);
    obs.context[1] = obs.step / world.scenario.session.maxRequests;

    const n = this.numCandidates;
    const stamp = ++this.stamp;
    const ids = obs.candidateIds;
    for (let c = 0; c < n; c++) {
      let j = world.sampleCandidate(u, rng);
      for (
        let attempt = 1;
        attempt < CANDIDATE_TRIES && (this.candidateStamp[j] === stamp || slot.seen.has(j));
        attempt++
      ) {
        j = world.sampleCandidate(u, rng);
      }
      this.candidateStamp[j] = stamp;
      ids[c] = j;
      world.predictedScores(u, j, obs.predictions, c * K);
    }
    obs.version++;
    this.requestsStarted++;
  }

  /** Shows the top items of the slot's decision and simulates the user's responses. */
  private respond(slot: Slot): void {
    const world = this.world;
    const sc = world.scenario;
    const { obs, rng, outcome: out, metrics } = slot;
    const u = obs.userId;
    const S = selectTop(slot.decision.scores, this.numCandidates, out.shown, out.topScores);
    out.numShown = S;
    let viewedCount = 0;
    let validCount = 0;
    let likeCount = 0;
    for (let p = 0; p < S; p++) {
      const j = obs.candidateIds[out.shown[p]];
      slot.seen.add(j);
      out.itemIds[p] = j;
      out.durationMs[p] = world.itemDurationMs[j];
      out.timeMs[p] = slot.clockMs;
      // The first item is always viewed; later ones only while the user still has patience.
      if (p > 0 && slot.patience <= 0) {
        out.viewed[p] = out.isClick[p] = out.longView[p] = out.isLike[p] = 0;
        out.isFollow[p] = out.isComment[p] = out.isForward[p] = out.isHate[p] = 0;
        out.playTimeMs[p] = 0;
        out.rewardWatch[p] = out.rewardOther[p] = 0;
        continue;
      }
      const pr = world.trueProbs(u, j);
      const validMs = world.itemValidMs[j];
      const longMs = world.itemLongMs[j];
      const durMs = world.itemDurationMs[j];
      const valid = rng.next() < pr[C.click] ? 1 : 0;
      const long = valid && rng.next() < pr[C.longView] ? 1 : 0;
      let playMs: number;
      if (!valid) playMs = Math.floor(rng.next() * validMs);
      else if (!long) playMs = validMs + Math.floor(rng.next() * (longMs - validMs));
      else if (durMs === longMs) playMs = durMs;
      // Fraction beyond the long-view mark: U^(1/m − 1) has mean m, the true completion rate.
      else playMs = longMs + Math.round(Math.pow(rng.next(), 1 / pr[C.completion] - 1) * (durMs - longMs));
      const like = valid && rng.next() < pr[C.like] ? 1 : 0;
      const follow = valid && rng.next() < pr[C.follow] ? 1 : 0;
      const comment = valid && rng.next() < pr[C.comment] ? 1 : 0;
      const forward = valid && rng.next() < pr[C.forward] ? 1 : 0;
      const hate = rng.next() < pr[C.hate] ? 1 : 0;
      const interactions = like + follow + comment + forward;
      out.viewed[p] = 1;
      out.isClick[p] = valid;
      out.longView[p] = long;
      out.isLike[p] = like;
      out.isFollow[p] = follow;
      out.isComment[p] = comment;
      out.isForward[p] = forward;
      out.isHate[p] = hate;
      out.playTimeMs[p] = playMs;
      const rw = rewardWatch(sc.reward, playMs / 1000);
      const ro = rewardOther(sc.reward, valid, long, like, follow, comment, forward, hate);
      out.rewardWatch[p] = rw;
      out.rewardOther[p] = ro;
      slot.clockMs += playMs;
      slot.patience = Math.min(
        slot.patienceCap,
        slot.patience + patienceDelta(sc.patience, world.itemClickbait[j], valid, long, interactions, hate),
      );
      viewedCount++;
      validCount += valid;
      likeCount += like;
      metrics.validConsumption += valid;
      metrics.durationSeconds += playMs / 1000;
      metrics.interactions += interactions;
      metrics.hates += hate;
      metrics.rewardWatch += rw;
      metrics.rewardOther += ro;
    }
    const decay = sc.observation.recentRateDecay;
    slot.emaValid = decay * slot.emaValid + (1 - decay) * (validCount / viewedCount);
    slot.emaLike = decay * slot.emaLike + (1 - decay) * (likeCount / viewedCount);
    // Every request costs patience, more as the session goes on (fatigue), so even a good feed
    // eventually loses the user and a better one keeps them longer.
    slot.patience -= sc.patience.costPerRequest * (1 + sc.patience.fatigue * obs.step);
    metrics.depth++;
    out.done = slot.patience <= 0 || metrics.depth >= sc.session.maxRequests || rng.next() < world.userLeaveProb[u];
  }
}

function emptyMetrics(sessionId: number, userId: number): SessionMetrics {
  return {
    sessionId,
    userId,
    depth: 0,
    validConsumption: 0,
    durationSeconds: 0,
    interactions: 0,
    hates: 0,
    rewardWatch: 0,
    rewardOther: 0,
  };
}

/**
 * Indices of the k = min(out.length, n) highest scores, highest first; ties go to the lower index.
 * O(n·k) insertion into a sorted k-list: k is 5, and most candidates fail the first comparison.
 */
export function selectTop(scores: Float64Array, n: number, out: Int32Array, outScores: Float64Array): number {
  const k = Math.min(out.length, n);
  let count = 0;
  for (let j = 0; j < n; j++) {
    const s = scores[j];
    if (s !== s) throw new RangeError(`policy returned a NaN score for candidate ${j}`);
    if (count === k && !(s > outScores[k - 1])) continue;
    let pos = count < k ? count++ : k - 1;
    while (pos > 0 && outScores[pos - 1] < s) {
      outScores[pos] = outScores[pos - 1];
      out[pos] = out[pos - 1];
      pos--;
    }
    outScores[pos] = s;
    out[pos] = j;
  }
  return k;
}

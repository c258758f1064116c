/**
 * The simulated world: users and items with hidden traits, their visible (noisy) features, the
 * TRUE response model per user–item pair and the imperfect MTL PREDICTION layer (docs/architecture.md §6).
 *
 * Per pair, every channel logit decomposes as  userTerm[u,c] + itemTerm[j,c] + affinity_c · a(u,j)
 * with a(u,j) = the user's interest in the item's topics. The user and item terms are precomputed
 * at generation, so a pair costs two multiplies for the affinity and one add per channel — this is
 * what lets one process simulate tens of thousands of requests per second.
 *
 * The MTL PREDICTION layer sees each logit only up to hidden zero-mean errors: a per-user, a
 * per-item and a per-pair term (the pair's idiosyncratic taste, a fixed hash of the pair), i.e.
 *   true logit = known logit + e_user + e_item + e_pair,   e ~ N(0, s²) in total.
 * A well-trained ranker outputs the calibrated probability given what it knows, E[σ(known + e)];
 * on top, `prediction.miscalibration` adds logit biases on item segments (fresh items' click
 * over-estimated, long videos' long view under-estimated, …):
 *   predicted = E[σ(known logit + segment bias + e)].
 * With miscalibration off the predictions are calibrated in every segment (their error is pure
 * noise), the oracle knows the hidden errors, and no policy sees them. The errors are drawn from
 * their own stream, so switching miscalibration off changes nothing else in the world.
 */
import { Rng } from "@/lib/random/rng";
import { featureLayout, type FeatureLayout } from "./features";
import { hashNormal, LogitNormalMean, sigmoid } from "./noise";
import {
  ACTIVITY_LEVELS,
  CHANNELS,
  ITEM_SEGMENTS,
  NUM_CHANNELS,
  PREDICTED_CHANNELS,
  type ItemSegment,
  type Scenario,
} from "./scenario";

// Local copies of imported constants read in hot loops: module transformers (vitest's runner,
// CommonJS builds) turn every read of an imported binding into a property or getter access.
const NC = NUM_CHANNELS;
const PC = PREDICTED_CHANNELS;

/** Channel indices (CHANNELS order). */
export const CH = {
  click: 0,
  longView: 1,
  completion: 2,
  like: 3,
  follow: 4,
  comment: 5,
  forward: 6,
  hate: 7,
} as const;

/** Layout of `World.truePair`: probabilities (interactions conditional on a valid play) and expected seconds. */
export const TRUE_PAIR = { ...CH, playSeconds: 8 } as const;
export const TRUE_PAIR_DIM = 9;

/** Bit of each item segment in `World.itemSegments`. */
export const segmentBit = (s: ItemSegment): number => 1 << ITEM_SEGMENTS.indexOf(s);

/** Interest floor inside the log when turning Dirichlet shares into interest logits (keeps unloved topics finite). */
const INTEREST_FLOOR = 0.01;
/** Simulated clock starts at KuaiRand's collection window (2022-04-08 UTC). */
export const EPOCH_MS = Date.UTC(2022, 3, 8);

export class World {
  readonly scenario: Scenario;
  readonly seed: string;
  readonly numUsers: number;
  readonly numItems: number;
  readonly numTopics: number;
  readonly layout: FeatureLayout;

  /** Index into ACTIVITY_LEVELS. */
  readonly userActivity: Uint8Array;
  /** U × T true interest logits. */
  readonly userInterest: Float64Array;
  /** U × T cumulative topic distribution the candidate generator samples from (built from the noisy interest view). */
  readonly userRetrievalCdf: Float64Array;
  readonly userPatience: Float64Array;
  readonly userLeaveProb: Float64Array;
  /** U × NUM_CHANNELS true user terms (known + hidden error). */
  readonly userTrue: Float64Array;
  /** U × PREDICTED_CHANNELS user terms known to the prediction layer. */
  readonly userKnown: Float64Array;
  /** U × layout.userStatic.length. */
  readonly userStaticFeatures: Float32Array;
  private readonly sessionUserCdf: Float64Array;

  readonly itemTopic1: Int32Array;
  readonly itemTopic2: Int32Array;
  /** Weight of the secondary topic (primary gets 1 − mix). */
  readonly itemTopicMix: Float64Array;
  readonly itemDurationMs: Int32Array;
  /** min(validPlaySeconds, duration) and min(longViewSeconds, duration), in ms: the two play-time thresholds. */
  readonly itemValidMs: Int32Array;
  readonly itemLongMs: Int32Array;
  /** The same three times in seconds (the expected-play formula runs per candidate). */
  readonly itemValidS: Float64Array;
  readonly itemLongS: Float64Array;
  readonly itemDurationS: Float64Array;
  readonly itemClickbait: Float64Array;
  /** Bitmask of ITEM_SEGMENTS (true traits, not the noisy views). */
  readonly itemSegments: Uint8Array;
  /** I × NUM_CHANNELS true item terms (known + hidden error). */
  readonly itemTrue: Float64Array;
  /** I × PREDICTED_CHANNELS item terms of the prediction layer (known + segment bias). */
  readonly itemPred: Float64Array;
  /** I × layout.item.length. */
  readonly itemFeatures: Float32Array;
  /** Item ids grouped by primary topic: topicItems[topicStart[t] … topicStart[t+1]). */
  readonly topicItems: Int32Array;
  readonly topicStart: Int32Array;

  readonly affinityCoef: Float64Array;
  /** Key of the per-pair hidden taste hash. */
  private readonly pairKey: number;
  /** Maps a known logit to the calibrated prediction given the hidden error's sd. */
  private readonly predictionLink: LogitNormalMean;
  private readonly logits = new Float64Array(NUM_CHANNELS);
  /** Channel probabilities (interactions conditional on a valid play) of the pair last evaluated. */
  private readonly probs = new Float64Array(NUM_CHANNELS);
  private readonly watchTimeScale: number;
  private readonly pairNoiseSd: number;
  private readonly matchedFraction: number;

  constructor(scenario: Scenario, seed: string | number) {
    this.scenario = scenario;
    this.seed = String(seed);
    const U = (this.numUsers = scenario.world.users);
    const I = (this.numItems = scenario.world.items);
    const T = (this.numTopics = scenario.world.topics);
    this.layout = featureLayout(T);
    const coefs = CHANNELS.map((c) => scenario.response[c]);
    this.affinityCoef = Float64Array.from(coefs, (c) => c.affinity);

    const userRng = Rng.derive(this.seed, "world", "users");
    const itemRng = Rng.derive(this.seed, "world", "items");
    const obsRng = Rng.derive(this.seed, "world", "observation");
    const predRng = Rng.derive(this.seed, "world", "prediction");
    const o = scenario.observation;
    const pr = scenario.prediction;
    this.pairKey = predRng.nextUint32();
    this.watchTimeScale = pr.watchTimeScaleSeconds;
    this.pairNoiseSd = pr.pairNoiseSd;
    this.matchedFraction = scenario.session.matchedFraction;
    this.predictionLink = new LogitNormalMean(Math.hypot(pr.userNoiseSd, pr.itemNoiseSd, pr.pairNoiseSd));

    // ---- users ----
    this.userActivity = new Uint8Array(U);
    this.userInterest = new Float64Array(U * T);
    this.userRetrievalCdf = new Float64Array(U * T);
    this.userPatience = new Float64Array(U);
    this.userLeaveProb = new Float64Array(U);
    this.userTrue = new Float64Array(U * NUM_CHANNELS);
    this.userKnown = new Float64Array(U * PREDICTED_CHANNELS);
    const dUs = this.layout.userStatic.length;
    this.userStaticFeatures = new Float32Array(U * dUs);
    this.sessionUserCdf = new Float64Array(U);
    const levels = ACTIVITY_LEVELS.map((l) => scenario.users.activity[l]);
    const shareCdf = cumulative(levels.map((l) => l.share));
    const conc = new Array<number>(T).fill(scenario.users.interestConcentration);
    let sessionMass = 0;
    for (let u = 0; u < U; u++) {
      const level = searchCdf(shareCdf, 0, levels.length, userRng.next() * shareCdf[levels.length - 1]);
      const act = levels[level];
      this.userActivity[u] = level;
      // Interest logits: log of Dirichlet shares (a few favourite topics), standardised so that
      // interestScale is the spread of affinities across topics whatever T is.
      const shares = userRng.dirichlet(conc);
      const z = this.userInterest.subarray(u * T, (u + 1) * T);
      for (let t = 0; t < T; t++) z[t] = Math.log(shares[t] + INTEREST_FLOOR);
      standardise(z, scenario.users.interestScale);
      this.userPatience[u] =
        (act.patienceMean * userRng.gamma(scenario.users.patienceShape)) / scenario.users.patienceShape;
      this.userLeaveProb[u] = act.leaveProb;
      for (let c = 0; c < NUM_CHANNELS; c++) {
        const known = userRng.normal(0, coefs[c].userSd) + (c === CH.click ? act.clickBias : 0);
        if (c < PREDICTED_CHANNELS) this.userKnown[u * PREDICTED_CHANNELS + c] = known;
        this.userTrue[u * NUM_CHANNELS + c] = known + predRng.normal(0, pr.userNoiseSd);
      }
      // Visible static features: noisy views of interests, propensities and patience; exact activity level.
      const f = this.userStaticFeatures.subarray(u * dUs, (u + 1) * dUs);
      let k = 0;
      for (let t = 0; t < T; t++) f[k++] = z[t] + obsRng.normal(0, o.interestNoiseSd);
      for (let l = 0; l < ACTIVITY_LEVELS.length; l++) f[k++] = l === level ? 1 : 0;
      for (let c = 0; c < NUM_CHANNELS; c++)
        f[k++] = this.userTrue[u * NUM_CHANNELS + c] + obsRng.normal(0, o.propensityNoiseSd);
      f[k++] = Math.log(this.userPatience[u]) + obsRng.normal(0, o.patienceNoiseSd);
      // Retrieval samples topics ∝ softmax(observed interest / temperature): the recommender only
      // knows the noisy view, as a real candidate generator would.
      const cdf = this.userRetrievalCdf.subarray(u * T, (u + 1) * T);
      let acc = 0;
      for (let t = 0; t < T; t++) {
        acc += Math.exp(f[t] / scenario.session.retrievalTemperature);
        cdf[t] = acc;
      }
      sessionMass += act.sessionWeight;
      this.sessionUserCdf[u] = sessionMass;
    }

    // ---- items ----
    const it = scenario.items;
    this.itemTopic1 = new Int32Array(I);
    this.itemTopic2 = new Int32Array(I);
    this.itemTopicMix = new Float64Array(I);
    this.itemDurationMs = new Int32Array(I);
    this.itemValidMs = new Int32Array(I);
    this.itemLongMs = new Int32Array(I);
    this.itemValidS = new Float64Array(I);
    this.itemLongS = new Float64Array(I);
    this.itemDurationS = new Float64Array(I);
    this.itemClickbait = new Float64Array(I);
    this.itemSegments = new Uint8Array(I);
    this.itemTrue = new Float64Array(I * NUM_CHANNELS);
    this.itemPred = new Float64Array(I * PREDICTED_CHANNELS);
    const dI = this.layout.item.length;
    this.itemFeatures = new Float32Array(I * dI);
    const validMs = Math.round(scenario.response.validPlaySeconds * 1000);
    const longMs = Math.max(validMs, Math.round(scenario.response.longViewSeconds * 1000));
    const rho = it.popularityQualityCorrelation;
    const biasBySegment = ITEM_SEGMENTS.map((s) => {
      const b = new Float64Array(PREDICTED_CHANNELS);
      if (pr.miscalibration)
        for (const sb of pr.segmentBiases) if (sb.segment === s) b[CHANNELS.indexOf(sb.channel)] += sb.logit;
      return b;
    });
    const topicCount = new Int32Array(T);
    for (let j = 0; j < I; j++) {
      const t1 = itemRng.int(T);
      const t2 = (t1 + 1 + itemRng.int(T - 1)) % T;
      const mix = itemRng.next() * it.secondaryTopicMax;
      const quality = itemRng.normal();
      const clickbait = itemRng.beta(it.clickbaitAlpha, it.clickbaitBeta);
      const isAd = itemRng.bernoulli(it.adShare) ? 1 : 0;
      const durS = clamp(
        Math.exp(itemRng.normal(it.durationLogMean, it.durationLogSd)),
        it.minDurationSeconds,
        it.maxDurationSeconds,
      );
      const durMs = Math.round(durS * 1000);
      const logDuration = (Math.log(durMs / 1000) - it.durationLogMean) / it.durationLogSd;
      const ageDays = -it.meanAgeDays * Math.log(1 - itemRng.next());
      const freshness = Math.exp(-ageDays / it.freshnessScaleDays);
      const popularity = rho * quality + Math.sqrt(1 - rho * rho) * itemRng.normal();
      this.itemTopic1[j] = t1;
      this.itemTopic2[j] = t2;
      this.itemTopicMix[j] = mix;
      topicCount[t1]++;
      this.itemDurationMs[j] = durMs;
      this.itemValidMs[j] = Math.min(validMs, durMs);
      this.itemLongMs[j] = Math.min(longMs, durMs);
      this.itemValidS[j] = this.itemValidMs[j] / 1000;
      this.itemLongS[j] = this.itemLongMs[j] / 1000;
      this.itemDurationS[j] = durMs / 1000;
      this.itemClickbait[j] = clickbait;
      let seg = 0;
      if (ageDays < pr.freshDays) seg |= segmentBit("fresh");
      if (durS >= pr.longVideoSeconds) seg |= segmentBit("long");
      if (durMs <= validMs) seg |= segmentBit("short");
      if (isAd) seg |= segmentBit("ad");
      if (popularity >= pr.popularZ) seg |= segmentBit("popular");
      if (clickbait >= pr.clickbaitThreshold) seg |= segmentBit("clickbait");
      this.itemSegments[j] = seg;
      for (let c = 0; c < NUM_CHANNELS; c++) {
        const k = coefs[c];
        const known =
          k.bias +
          k.quality * quality +
          k.clickbait * clickbait +
          k.ad * isAd +
          k.logDuration * logDuration +
          k.freshness * freshness +
          k.popularity * popularity;
        if (c < PREDICTED_CHANNELS) {
          let bias = 0;
          for (let s = 0; s < ITEM_SEGMENTS.length; s++) if (seg & (1 << s)) bias += biasBySegment[s][c];
          this.itemPred[j * PREDICTED_CHANNELS + c] = known + bias;
        }
        this.itemTrue[j * NUM_CHANNELS + c] = known + predRng.normal(0, pr.itemNoiseSd);
      }
      // Visible features: noisy topic mixture, quality (like a historical rating), popularity and
      // clickbait (like a report rate); duration, ad flag and freshness are known exactly.
      const f = this.itemFeatures.subarray(j * dI, (j + 1) * dI);
      for (let t = 0; t < T; t++) {
        const w = t === t1 ? 1 - mix : t === t2 ? mix : 0;
        f[t] = w + obsRng.normal(0, o.topicNoiseSd);
      }
      f[T] = quality + obsRng.normal(0, o.qualityNoiseSd);
      f[T + 1] = logDuration;
      f[T + 2] = isAd;
      f[T + 3] = freshness;
      f[T + 4] = popularity + obsRng.normal(0, o.popularityNoiseSd);
      f[T + 5] = clickbait + obsRng.normal(0, o.clickbaitNoiseSd);
    }
    this.topicStart = new Int32Array(T + 1);
    for (let t = 0; t < T; t++) this.topicStart[t + 1] = this.topicStart[t] + topicCount[t];
    this.topicItems = new Int32Array(I);
    const fill = this.topicStart.slice(0, T);
    for (let j = 0; j < I; j++) this.topicItems[fill[this.itemTopic1[j]]++] = j;
  }

  /** User drawn for a new session, ∝ its activity level's session weight. */
  sampleSessionUser(rng: Rng): number {
    return searchCdf(this.sessionUserCdf, 0, this.numUsers, rng.next() * this.sessionUserCdf[this.numUsers - 1]);
  }

  /** Topic drawn from the user's retrieval distribution. */
  sampleRetrievalTopic(u: number, rng: Rng): number {
    const T = this.numTopics;
    const base = u * T;
    return searchCdf(this.userRetrievalCdf, base, base + T, rng.next() * this.userRetrievalCdf[base + T - 1]) - base;
  }

  /**
   * One draw of the candidate generator for user u: with probability matchedFraction an item of a
   * topic from the user's retrieval distribution, otherwise (or if that topic is empty) any item.
   */
  sampleCandidate(u: number, rng: Rng): number {
    if (rng.next() < this.matchedFraction) {
      const t = this.sampleRetrievalTopic(u, rng);
      const lo = this.topicStart[t];
      const len = this.topicStart[t + 1] - lo;
      if (len > 0) return this.topicItems[lo + Math.floor(rng.next() * len)];
    }
    return Math.floor(rng.next() * this.numItems);
  }

  affinity(u: number, j: number): number {
    const z = u * this.numTopics;
    const mix = this.itemTopicMix[j];
    return (1 - mix) * this.userInterest[z + this.itemTopic1[j]] + mix * this.userInterest[z + this.itemTopic2[j]];
  }

  /** The MTL layer's 7 scores (SCORE_NAMES order) for pair (u, j) into out[o … o+7). */
  predictedScores(u: number, j: number, out: Float32Array | Float64Array, o: number): void {
    const a = this.affinity(u, j);
    const link = this.predictionLink;
    const uk = this.userKnown;
    const ip = this.itemPred;
    const ac = this.affinityCoef;
    const uo = u * PC;
    const io = j * PC;
    this.writeScores(
      j,
      link.at(uk[uo] + ip[io] + ac[0] * a),
      link.at(uk[uo + 1] + ip[io + 1] + ac[1] * a),
      link.at(uk[uo + 2] + ip[io + 2] + ac[2] * a),
      link.at(uk[uo + 3] + ip[io + 3] + ac[3] * a),
      link.at(uk[uo + 4] + ip[io + 4] + ac[4] * a),
      link.at(uk[uo + 5] + ip[io + 5] + ac[5] * a),
      link.at(uk[uo + 6] + ip[io + 6] + ac[6] * a),
      out,
      o,
    );
  }

  /** The same 7 scores from the TRUE model (what a perfect ranker would output). */
  trueScores(u: number, j: number, out: Float32Array | Float64Array, o: number): void {
    const p = this.trueProbs(u, j);
    this.writeScores(j, p[0], p[1], p[2], p[3], p[4], p[5], p[6], out, o);
  }

  /** True probabilities and expected play seconds of pair (u, j), TRUE_PAIR layout, into out[o …]. */
  truePair(u: number, j: number, out: Float64Array, o = 0): void {
    const p = this.trueProbs(u, j);
    for (let c = 0; c < NC; c++) out[o + c] = p[c];
    out[o + TRUE_PAIR.playSeconds] = this.expectedPlaySeconds(j, p[CH.click], p[CH.longView], p[CH.completion]);
  }

  /**
   * True channel probabilities of (u, j) (CHANNELS order; long view, completion and interactions
   * conditional on a valid play). Returns an internal buffer, overwritten by the next call.
   */
  trueProbs(u: number, j: number): Float64Array {
    const a = this.affinity(u, j);
    const p = this.probs;
    const uo = u * NC;
    const io = j * NC;
    const sd = this.pairNoiseSd;
    for (let c = 0; c < NC; c++) {
      p[c] = sigmoid(
        this.userTrue[uo + c] +
          this.itemTrue[io + c] +
          this.affinityCoef[c] * a +
          sd * hashNormal(this.pairKey, u, j, c),
      );
    }
    if (this.itemValidMs[j] === this.itemLongMs[j]) p[CH.longView] = 1;
    return p;
  }

  /**
   * E[play seconds] under the play-time model: a skip plays U(0, v) of the valid-play mark v; a
   * valid play without a long view plays U(v, l) up to the long-view mark l; a long view plays
   * l + f · (duration − l) with E[f] = completion m (whole video if duration ≤ l).
   */
  expectedPlaySeconds(j: number, pc: number, pl: number, m: number): number {
    const v = this.itemValidS[j];
    const l = this.itemLongS[j];
    const d = this.itemDurationS[j];
    return (1 - pc) * 0.5 * v + pc * ((1 - pl) * 0.5 * (v + l) + pl * (l + m * (d - l)));
  }

  /**
   * The 7 scores from channel probabilities (CHANNELS order, conditional on a valid play). A video
   * no longer than the valid-play mark is watched whole by any valid play, so its long view given
   * a valid play is certain.
   */
  private writeScores(
    j: number,
    pc: number,
    longGivenValid: number,
    completion: number,
    like: number,
    follow: number,
    comment: number,
    forward: number,
    out: Float32Array | Float64Array,
    o: number,
  ): void {
    const pl = this.itemValidMs[j] === this.itemLongMs[j] ? 1 : longGivenValid;
    out[o] = pc;
    out[o + 1] = pc * pl;
    out[o + 2] = pc * like;
    out[o + 3] = pc * follow;
    out[o + 4] = pc * comment;
    out[o + 5] = pc * forward;
    const e = this.expectedPlaySeconds(j, pc, pl, completion);
    out[o + 6] = e / (e + this.watchTimeScale);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function cumulative(xs: number[]): Float64Array {
  const out = new Float64Array(xs.length);
  let acc = 0;
  xs.forEach((x, i) => (out[i] = acc += x));
  return out;
}

/** First index i in [lo, hi) with cdf[i] > x (the last index if none, guarding against rounding). */
function searchCdf(cdf: Float64Array, lo: number, hi: number, x: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (cdf[mid] > x) b = mid;
    else a = mid + 1;
  }
  return a;
}

function standardise(z: Float64Array, scale: number): void {
  let mean = 0;
  for (let t = 0; t < z.length; t++) mean += z[t];
  mean /= z.length;
  let v = 0;
  for (let t = 0; t < z.length; t++) v += (z[t] - mean) ** 2;
  const sd = Math.sqrt(v / z.length);
  for (let t = 0; t < z.length; t++) z[t] = sd > 0 ? ((z[t] - mean) / sd) * scale : 0;
}

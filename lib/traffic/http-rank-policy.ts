import { SCORE_NAMES, NUM_TASKS } from "@/lib/fusion";
import type { FeatureLayout, Policy, PolicyDecision, RequestObservation } from "@/lib/simulator";
import type { PlatformClient } from "@/lib/traffic/platform-client";

export interface RankResponse {
  decisionId: string;
  experiment: string | null;
  arm: string | null;
  items: { itemId: string; score: number }[];
}

export const simUserId = (seed: string, u: number) => `sim-${seed}-${u}`;
export const simItemId = (j: number) => `item-${j}`;

/**
 * A simulator policy that ranks by calling POST /api/v1/rank, exactly as a production ranking
 * service would: the simulated user's features, each candidate's predicted scores and features.
 * The platform decides the arm and policy; the simulator then plays the user's responses.
 */
export class HttpRankPolicy implements Policy {
  readonly name = "fusionlab-api";
  readonly actionMode = "none" as const;
  /** Last rank response per env slot, read by the caller when it logs the request's feedback. */
  readonly responses: (RankResponse | undefined)[] = [];

  constructor(
    private readonly client: PlatformClient,
    private readonly seed: string,
    private readonly layout: FeatureLayout,
    private readonly shown: number,
  ) {}

  private body(obs: RequestObservation) {
    const userNames = [...this.layout.userStatic, ...this.layout.userSession];
    const dI = this.layout.item.length;
    const items = obs.itemFeatures;
    return {
      userId: simUserId(this.seed, obs.userId),
      requestId: `${obs.sessionId}:${obs.step}`,
      context: {
        sessionId: `${this.seed}:${obs.sessionId}`,
        ...Object.fromEntries(this.layout.context.map((n, i) => [n, obs.context[i]])),
      },
      user: { features: Object.fromEntries(userNames.map((n, i) => [n, obs.userFeatures[i]])) },
      candidates: Array.from({ length: obs.numCandidates }, (_, c) => ({
        itemId: simItemId(obs.candidateIds[c]),
        scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, obs.predictions[c * NUM_TASKS + k]])),
        features: Object.fromEntries(this.layout.item.map((n, f) => [n, items[c * dI + f]])),
      })),
      k: this.shown,
    };
  }

  async act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): Promise<void> {
    await Promise.all(
      batch.map(async (obs, i) => {
        const res = await this.client.post<RankResponse>("/api/v1/rank", this.body(obs));
        this.responses[obs.slot] = res;
        const scores = decisions[i].scores;
        scores.fill(-1, 0, obs.numCandidates);
        const index = new Map<string, number>();
        for (let c = 0; c < obs.numCandidates; c++) index.set(simItemId(obs.candidateIds[c]), c);
        // The platform's order becomes the simulator's: first returned item gets the highest score.
        res.items.forEach((item, r) => {
          const c = index.get(item.itemId);
          if (c !== undefined) scores[c] = res.items.length - r;
        });
      }),
    );
  }
}

/**
 * Saved policy versions: one JSON document per version (a PolicyVersion's weights + config), with
 * every network as its topology plus its weights as base64 of little-endian float32 — an exact
 * round trip, so a loaded version serves bit-identical actions and scores. RL versions also carry
 * their critics, so that training can continue from a parent version.
 */
import { z } from "zod";
import { makeActionBounds, type ActionBounds } from "@/lib/fusion/action";
import { FixedFusionPolicy } from "@/lib/simulator/reference-policies";
import type { Policy } from "@/lib/simulator/simulator-policy";
import {
  EnhancedStateConfigSchema,
  UserStateConfigSchema,
  type EnhancedStateConfig,
  type UserStateConfig,
} from "./config";
import type { CriticWeights } from "./critics";
import { StateEncoder, type EncoderJson } from "./features";
import { EnhancedStateModel, UserStateModel, type FusionModel } from "./models";
import { EnsembleMlp, parameterCount, type Tf } from "./network";
import { ModelPolicy } from "./model-policy";

export const SAVED_POLICY_FORMAT = "fusionlab.policy";
export const SAVED_POLICY_VERSION = 1;

const topologySchema = z.strictObject({
  members: z.number().int().positive(),
  inputs: z.array(z.number().int().positive()).min(1),
  layers: z.array(z.number().int().positive()).min(1),
  output: z.enum(["linear", "relu"]),
});
const netSchema = z.strictObject({ topology: topologySchema, weights: z.string() });
const criticsSchema = netSchema;
const boundsSchema = z.strictObject({ centre: z.array(z.number()), range: z.array(z.number()) });
const scalerSchema = z.strictObject({ mean: z.array(z.number()), std: z.array(z.number()) });
const encoderSchema = z.strictObject({
  layout: z.strictObject({ user: z.array(z.string()), context: z.array(z.string()), item: z.array(z.string()) }),
  bias: z.array(z.number()),
  user: scalerSchema,
  pair: scalerSchema,
});
const header = {
  format: z.literal(SAVED_POLICY_FORMAT),
  version: z.literal(SAVED_POLICY_VERSION),
  bounds: boundsSchema,
};
const rlFields = { encoder: encoderSchema, rewardScale: z.number().positive(), critics: criticsSchema.optional() };

export const SavedPolicySchema = z.discriminatedUnion("type", [
  z.strictObject({ ...header, type: z.literal("fixed"), action: z.array(z.number()) }),
  z.strictObject({
    ...header,
    ...rlFields,
    type: z.literal("user-state"),
    config: UserStateConfigSchema,
    actor: netSchema,
  }),
  z.strictObject({
    ...header,
    ...rlFields,
    type: z.literal("enhanced-state"),
    config: EnhancedStateConfigSchema,
    userNet: netSchema,
    pairNet: netSchema,
  }),
]);
export type SavedPolicy = z.infer<typeof SavedPolicySchema>;
type SavedNet = z.infer<typeof netSchema>;

const boundsJson = (b: ActionBounds) => ({ centre: Array.from(b.centre), range: Array.from(b.range) });

export function encodeWeights(w: Float32Array): string {
  return Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString("base64");
}

export function decodeWeights(s: string): Float32Array {
  const buf = Buffer.from(s, "base64");
  if (buf.byteLength % 4 !== 0) throw new RangeError("saved weights are not a whole number of float32s");
  // Copy into a fresh ArrayBuffer: Float32Array views need 4-byte alignment.
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const saveNet = (net: EnsembleMlp): SavedNet => ({ topology: net.topology, weights: encodeWeights(net.flat()) });

function loadNet(tf: Tf, saved: SavedNet, trainable = false): EnsembleMlp {
  const w = decodeWeights(saved.weights);
  if (w.length !== parameterCount(saved.topology))
    throw new RangeError("saved network weights do not match their topology");
  return EnsembleMlp.fromFlat(tf, saved.topology, w, trainable);
}

export function saveFixedPolicy(action: ArrayLike<number>, bounds: ActionBounds): SavedPolicy {
  return {
    format: SAVED_POLICY_FORMAT,
    version: SAVED_POLICY_VERSION,
    type: "fixed",
    bounds: boundsJson(bounds),
    action: Array.from(action),
  };
}

/** A trained RL model (and optionally its critics) as a saved version. */
export function saveModel(
  model: FusionModel,
  config: UserStateConfig | EnhancedStateConfig,
  rewardScale: number,
  critics?: CriticWeights,
): SavedPolicy {
  const common = {
    format: SAVED_POLICY_FORMAT,
    version: SAVED_POLICY_VERSION,
    bounds: boundsJson(model.bounds),
    encoder: model.encoder.toJSON(),
    rewardScale,
    critics: critics && { topology: critics.topology, weights: encodeWeights(critics.weights) },
  } as const;
  if (model instanceof UserStateModel) {
    return { ...common, type: "user-state", config: UserStateConfigSchema.parse(config), actor: saveNet(model.actor) };
  }
  if (model instanceof EnhancedStateModel) {
    return {
      ...common,
      type: "enhanced-state",
      config: EnhancedStateConfigSchema.parse(config),
      userNet: saveNet(model.userNet),
      pairNet: saveNet(model.pairNet),
    };
  }
  throw new TypeError(`cannot save a model of type ${model.type}`);
}

/** Validates a saved version (e.g. read from the database). */
export const parseSavedPolicy = (input: unknown): SavedPolicy =>
  SavedPolicySchema.parse(typeof input === "string" ? JSON.parse(input) : input);

export interface LoadedPolicy {
  policy: Policy;
  /** The RL model behind the policy (absent for fixed versions). */
  model?: FusionModel;
  saved: SavedPolicy;
  /** Wall time to validate the document and build the networks, ms. */
  loadMs: number;
}

/** Builds a servable policy from a saved version (JSON text or parsed object). */
export function loadPolicy(tf: Tf, input: unknown, name?: string): LoadedPolicy {
  const start = performance.now();
  const saved = parseSavedPolicy(input);
  const bounds = makeActionBounds(saved.bounds.centre, saved.bounds.range);
  let policy: Policy;
  let model: FusionModel | undefined;
  if (saved.type === "fixed") {
    policy = new FixedFusionPolicy(saved.action, name ?? "fixed");
  } else {
    const encoder = StateEncoder.fromJSON(saved.encoder as EncoderJson);
    model =
      saved.type === "user-state"
        ? new UserStateModel(tf, encoder, bounds, loadNet(tf, saved.actor))
        : new EnhancedStateModel(tf, encoder, bounds, loadNet(tf, saved.userNet), loadNet(tf, saved.pairNet));
    policy = new ModelPolicy(model, name ?? saved.type);
  }
  return { policy, model, saved, loadMs: performance.now() - start };
}

/** Critic weights of a saved RL version (to continue training from it). */
export function savedCritics(saved: SavedPolicy): CriticWeights | undefined {
  if (saved.type === "fixed" || !saved.critics) return undefined;
  return { topology: saved.critics.topology, weights: decodeWeights(saved.critics.weights) };
}

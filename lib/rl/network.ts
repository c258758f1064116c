/**
 * Small multilayer perceptrons, optionally as an ENSEMBLE of M members with identical shapes,
 * stored as stacked weights [M, in, out]: few variables, so an optimiser step costs few TF.js
 * calls (on the WASM backend per-op overhead, not arithmetic, dominates these small nets).
 *
 * Inputs come in PARTS whose first-layer products are summed — equivalent to concatenating the
 * parts, without the copy — and a part may have one row per REQUEST while the others have one row
 * per candidate: its product is computed once per request and broadcast over that request's rows
 * (the enhanced state's "user part computed once per request").
 *
 * Weights are initialised from the project's seeded Rng, so the same seed gives the same network
 * on every backend, and they serialise to one flat Float32Array (exact round trip).
 */
import type { GradSaveFunc, Tensor, Tensor2D, Tensor3D, Variable } from "@tensorflow/tfjs";
import type { TfHandle } from "@/lib/tf/backend";
import type { Rng } from "@/lib/random/rng";

export type Tf = TfHandle["tf"];

type MatMul = (x: Tensor2D, w: Tensor2D) => Tensor2D;
const matMuls = new WeakMap<Tf, MatMul>();

/**
 * x·w whose gradient uses explicit transposes and plain matmuls: the WASM backend's matmul with
 * a transpose flag (what TF.js's own gradient uses) is about five times slower.
 */
function denseMatMul(tf: Tf): MatMul {
  let f = matMuls.get(tf);
  if (!f) {
    const op = tf.customGrad(((x: Tensor2D, w: Tensor2D, save: GradSaveFunc) => {
      save([x, w]);
      return {
        value: tf.matMul(x, w),
        gradFunc: (dy: Tensor2D, [sx, sw]: Tensor2D[]) => [
          tf.matMul(dy, tf.transpose(sw)),
          tf.matMul(tf.transpose(sx), dy),
        ],
      };
    }) as unknown as Parameters<Tf["customGrad"]>[0]);
    f = (x, w) => op(x, w) as Tensor2D;
    matMuls.set(tf, f);
  }
  return f;
}

export interface MlpTopology {
  /** Ensemble members (1 for an actor). */
  members: number;
  /** Widths of the input parts, in the order `apply` receives them. */
  inputs: number[];
  /** Widths of the hidden layers, then of the output. */
  layers: number[];
  /** Activation of the output layer (hidden layers are ReLU). */
  output: "linear" | "relu";
}

export interface MlpInit {
  /** Multiplies the output layer's initial weights (an actor starts almost constant). */
  outputScale?: number;
  /** Initial output bias (same for every member); default 0. */
  outputBias?: ArrayLike<number>;
}

/**
 * Shapes [rows, cols] of the per-member weight blocks in `flat()` order: the first layer's block
 * for each input part, its bias, then W and bias of every later layer. Each block is stored for
 * all members at once, member-major: M × rows × cols.
 */
function blocks(t: MlpTopology): { rows: number; cols: number; fanIn: number; layer: number; bias: boolean }[] {
  const out: { rows: number; cols: number; fanIn: number; layer: number; bias: boolean }[] = [];
  const fanIn0 = t.inputs.reduce((s, w) => s + w, 0);
  t.layers.forEach((width, l) => {
    const fanIn = l === 0 ? fanIn0 : t.layers[l - 1];
    if (l === 0) for (const w of t.inputs) out.push({ rows: w, cols: width, fanIn, layer: l, bias: false });
    else out.push({ rows: fanIn, cols: width, fanIn, layer: l, bias: false });
    out.push({ rows: 1, cols: width, fanIn, layer: l, bias: true });
  });
  return out;
}

export function parameterCount(t: MlpTopology): number {
  return t.members * blocks(t).reduce((s, b) => s + b.rows * b.cols, 0);
}

/**
 * One dense layer of a single-member MLP: W (rows × cols, row-major; the first layer has one per input part) and bias.
 */
export interface DenseLayer {
  weights: { rows: number; cols: number; values: Float32Array }[];
  bias: Float32Array;
}

/**
 * A single-member MLP's weights (`flat()` order) as dense layers, for export to other runtimes (lib/rl/onnx-export.ts).
 */
export function denseLayers(t: MlpTopology, flat: Float32Array): DenseLayer[] {
  if (t.members !== 1)
    throw new RangeError(`only a single-member MLP exports as dense layers (got ${t.members} members)`);
  if (flat.length !== parameterCount(t))
    throw new RangeError(`MLP weights: expected ${parameterCount(t)} numbers, got ${flat.length}`);
  const layers: DenseLayer[] = t.layers.map(() => ({ weights: [], bias: new Float32Array(0) }));
  let o = 0;
  for (const b of blocks(t)) {
    const values = flat.subarray(o, (o += b.rows * b.cols));
    if (b.bias) layers[b.layer].bias = values;
    else layers[b.layer].weights.push({ rows: b.rows, cols: b.cols, values });
  }
  return layers;
}

export class EnsembleMlp {
  /** One variable per block of `blocks(topology)`, shaped [M, rows, cols]. */
  private readonly vars: Variable[];

  private constructor(
    private readonly tf: Tf,
    readonly topology: MlpTopology,
    flat: Float32Array,
    trainable: boolean,
  ) {
    if (topology.layers.length < 1 || topology.inputs.length < 1)
      throw new RangeError("an MLP needs inputs and at least one layer");
    if (flat.length !== parameterCount(topology)) {
      throw new RangeError(`MLP weights: expected ${parameterCount(topology)} numbers, got ${flat.length}`);
    }
    const M = topology.members;
    let o = 0;
    this.vars = blocks(topology).map(({ rows, cols }) => {
      const n = M * rows * cols;
      const v = tf.variable(tf.tensor3d(flat.subarray(o, o + n), [M, rows, cols]), trainable);
      o += n;
      return v;
    });
  }

  /** Glorot-uniform weights from `rng`, zero biases (or `init.outputBias` on the output layer). */
  static create(tf: Tf, topology: MlpTopology, rng: Rng, init: MlpInit = {}): EnsembleMlp {
    const flat = new Float32Array(parameterCount(topology));
    const last = topology.layers.length - 1;
    const M = topology.members;
    let o = 0;
    for (const b of blocks(topology)) {
      const isOut = b.layer === last;
      const limit = Math.sqrt(6 / (b.fanIn + b.cols)) * (isOut ? (init.outputScale ?? 1) : 1);
      for (let i = 0; i < M * b.rows * b.cols; i++) {
        flat[o++] = b.bias ? (isOut && init.outputBias ? init.outputBias[i % b.cols] : 0) : rng.uniform(-limit, limit);
      }
    }
    return new EnsembleMlp(tf, topology, flat, true);
  }

  static fromFlat(tf: Tf, topology: MlpTopology, flat: Float32Array, trainable = false): EnsembleMlp {
    return new EnsembleMlp(tf, topology, flat, trainable);
  }

  /** A copy with the same weights (e.g. a target network), not trainable by optimisers. */
  clone(): EnsembleMlp {
    return new EnsembleMlp(this.tf, this.topology, this.flat(), false);
  }

  get variables(): Variable[] {
    return this.vars;
  }

  /**
   * parts[i]: [R, inputs[i]], or [R / n, inputs[i]] for a per-request part (broadcast over n
   * consecutive rows) → [M, R, out]. Members are evaluated one by one with 2-D matmuls: on the
   * WASM backend a batched matmul (batch > 1) runs about ten times slower than M plain ones.
   */
  apply(parts: readonly Tensor2D[]): Tensor3D {
    const tf = this.tf;
    const t = this.topology;
    if (parts.length !== t.inputs.length)
      throw new RangeError(`MLP expects ${t.inputs.length} input parts, got ${parts.length}`);
    const M = t.members;
    const H = t.layers[0];
    const R = Math.max(...parts.map((p) => p.shape[0]));
    const matMul = denseMatMul(tf);
    const perMember = this.vars.map((v) => (M === 1 ? [tf.squeeze(v, [0])] : tf.unstack(v)) as Tensor2D[]);
    const outs: Tensor[] = [];
    for (let m = 0; m < M; m++) {
      let full: Tensor | null = null;
      let perRequest: Tensor | null = null;
      parts.forEach((p, i) => {
        const z = matMul(p, perMember[i][m]);
        if (p.shape[0] === R) full = full ? tf.add(full, z) : z;
        else perRequest = perRequest ? tf.add(perRequest, z) : z;
      });
      if (!full) throw new RangeError("an MLP needs at least one part with a row per output row");
      let h: Tensor = full;
      if (perRequest) {
        const B = (perRequest as Tensor).shape[0];
        if (R % B !== 0) throw new RangeError(`a per-request part of ${B} rows cannot broadcast over ${R} rows`);
        h = tf.reshape(tf.add(tf.reshape(h, [B, R / B, H]), tf.reshape(perRequest, [B, 1, H])), [R, H]);
      }
      let v = t.inputs.length;
      h = tf.add(h, perMember[v++][m]);
      for (let l = 0; l < t.layers.length; l++) {
        if (l > 0) {
          h = matMul(h as Tensor2D, perMember[v++][m]);
          h = tf.add(h, perMember[v++][m]);
        }
        if (l < t.layers.length - 1 || t.output === "relu") h = tf.relu(h);
      }
      outs.push(h);
    }
    return (M === 1 ? tf.expandDims(outs[0], 0) : tf.stack(outs)) as Tensor3D;
  }

  /** All weights, in `parameterCount` order. */
  flat(): Float32Array {
    const out = new Float32Array(parameterCount(this.topology));
    let o = 0;
    for (const v of this.vars) {
      const d = v.dataSync() as Float32Array;
      out.set(d, o);
      o += d.length;
    }
    return out;
  }

  /** θ ← τ·source + (1 − τ)·θ (τ = 1 copies). */
  softUpdate(source: EnsembleMlp, tau: number): void {
    const tf = this.tf;
    tf.tidy(() => {
      this.vars.forEach((v, i) =>
        v.assign(tau === 1 ? source.vars[i] : tf.add(tf.mul(source.vars[i], tau), tf.mul(v, 1 - tau))),
      );
    });
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}

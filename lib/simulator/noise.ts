/**
 * Deterministic noise for the hot path. Hidden per-pair taste must be the same every time a pair is
 * looked at (the oracle and the response model must agree, across requests), so it is a hash of
 * (world, user, item, channel) mapped to a standard normal through a table of exact quantiles
 * Φ⁻¹((i + ½)/2¹⁶): a 65,536-level discretisation of N(0, 1), tails cut at ≈ ±4.3σ.
 */
/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9), 0 < p < 1. */
function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf needs 0 < p < 1, got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  if (p < lowTail || p > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log(p < lowTail ? p : 1 - p));
    const x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < lowTail ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

const TABLE_BITS = 16;
const TABLE = (() => {
  const n = 1 << TABLE_BITS;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = inverseNormalCdf((i + 0.5) / n);
  return t;
})();

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A standard normal that is a fixed function of (key, a, b, c). */
export function hashNormal(key: number, a: number, b: number, c: number): number {
  const h = fmix32(fmix32(fmix32(key ^ a) + b) ^ Math.imul(c + 1, 0x9e3779b1));
  return TABLE[h >>> (32 - TABLE_BITS)];
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * g(m) = E[σ(m + s·Z)], Z ~ N(0, 1): the calibrated probability for a ranker that knows the logit
 * only up to zero-mean Gaussian error of sd s. Tabulated on [−LIMIT, LIMIT] (step 0.01, linear
 * interpolation: error < 2e-6) by trapezoid quadrature over z, which converges exponentially for
 * this smooth integrand.
 */
const LINK_LIMIT = 20;
const LINK_STEP = 0.01;
const LINK_INV_STEP = 1 / LINK_STEP;

export class LogitNormalMean {
  private readonly table: Float64Array;

  constructor(readonly sd: number) {
    const n = Math.round((2 * LINK_LIMIT) / LINK_STEP) + 1;
    this.table = new Float64Array(n);
    const dz = 0.05;
    const zs: number[] = [];
    const ws: number[] = [];
    let wsum = 0;
    for (let z = -7; z <= 7 + 1e-9; z += dz) {
      zs.push(z);
      ws.push(Math.exp(-0.5 * z * z));
      wsum += Math.exp(-0.5 * z * z);
    }
    for (let i = 0; i < n; i++) {
      const m = -LINK_LIMIT + i * LINK_STEP;
      let acc = 0;
      for (let k = 0; k < zs.length; k++) acc += ws[k] * sigmoid(m + sd * zs[k]);
      this.table[i] = acc / wsum;
    }
  }

  at(m: number): number {
    const x = (m + LINK_LIMIT) * LINK_INV_STEP;
    if (x <= 0) return this.table[0];
    if (x >= this.table.length - 1) return this.table[this.table.length - 1];
    const i = x | 0;
    const f = x - i;
    return this.table[i] + f * (this.table[i + 1] - this.table[i]);
  }
}

/** Student t distribution with real (Welch) degrees of freedom; df = Infinity is the normal. */
import { logGamma, regularizedBeta } from "@/lib/stats/special";
import { normalCdf, normalPdf, normalQuantile } from "@/lib/stats/normal";

export function tPdf(t: number, df: number): number {
  if (df === Infinity) return normalPdf(t);
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** P(T ≤ t) via P(T ≤ −|t|) = I_{df/(df+t²)}(df/2, 1/2) / 2, exact in the tails. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (df === Infinity) return normalCdf(t);
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t < 0 ? tail : 1 - tail;
}

/** Cornish–Fisher expansion of the t quantile around the normal one: a close starting point. */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  return (
    z +
    (z * (z2 + 1)) / (4 * df) +
    (z * (5 * z2 * z2 + 16 * z2 + 3)) / (96 * df * df) +
    (z * (3 * z2 * z2 * z2 + 19 * z2 * z2 + 17 * z2 - 15)) / (384 * df * df * df)
  );
}

/** Quantile of the lower tail (q ≤ 1/2), a negative number. */
function lowerQuantile(q: number, df: number): number {
  if (df === 1) return Math.tan(Math.PI * (q - 0.5));
  if (df === 2) return (2 * q - 1) / Math.sqrt(2 * q * (1 - q));
  let x = Math.min(0, cornishFisher(normalQuantile(q), df));
  // The CDF is convex on (−∞, 0]: Newton from a point right of the root descends monotonically
  // onto it, and one step from the left lands right of it (clamped at 0, still right of it).
  // The tolerance sits above tCdf's ~1e-13 rounding noise, where Newton would only jitter.
  for (let i = 0; i < 1000; i++) {
    const next = Math.min(0, x - (tCdf(x, df) - q) / tPdf(x, df));
    if (Math.abs(next - x) <= 1e-12 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

export function tQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  return p < 0.5 ? lowerQuantile(p, df) : -lowerQuantile(1 - p, df);
}

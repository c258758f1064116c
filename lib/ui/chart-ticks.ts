/** Symmetric ticks at a round step (1, 2, 2.5 or 5 × 10^k) covering ±extent: "−20%, −10%, 0%, 10%, 20%". */
export function symmetricTicks(extent: number): number[] {
  const raw = extent / 3;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const n = Math.ceil(extent / step - 1e-9);
  return Array.from({ length: 2 * n + 1 }, (_, i) => Number(((i - n) * step).toPrecision(12)));
}

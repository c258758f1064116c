import { defaultServingPolicy } from "@/lib/serving/policy-cache";
import { servingSnapshot } from "@/lib/serving/serving-config";

/**
 * Readies a web process before it takes traffic: the serving snapshot with every running arm's
 * policy version (loaded and warmed by the policy cache) and the default policy. A process that joins
 * a loaded tier (a restart, a scale-out) would otherwise answer its first requests late while the
 * queue behind them grows.
 */
export async function warmServing(): Promise<string> {
  const snapshot = await servingSnapshot();
  const defaultPolicy = await defaultServingPolicy();
  return `${snapshot.arms.size} running arms, default policy ${defaultPolicy.label}`;
}

import { createRequire } from "node:module";
import path from "node:path";
import { loadEnv } from "@/lib/config/env";

/**
 * The one place that picks TensorFlow.js's backend: the native `@tensorflow/tfjs-node` where it is
 * installed (it downloads libtensorflow at install time, which fails offline, so it is optional),
 * else `@tensorflow/tfjs` on the WASM backend (SIMD, multi-threaded where available; several times
 * faster than the pure-JS CPU backend). Which one runs is logged once.
 */
type Tf = typeof import("@tensorflow/tfjs");

export interface TfHandle {
  tf: Tf;
  backend: "tensorflow" | "wasm" | "cpu";
}

const require = createRequire(import.meta.url);
let pending: Promise<TfHandle> | undefined;

async function load(log: (msg: string) => void): Promise<TfHandle> {
  if (loadEnv().FUSIONLAB_TF_BACKEND !== "wasm") {
    try {
      // Optional: where it is not installed, `next build` must not report it as a missing module.
      const tf = require(/* turbopackOptional: true */ "@tensorflow/tfjs-node") as Tf;
      await tf.ready();
      log("TensorFlow.js backend: tensorflow (native, @tensorflow/tfjs-node)");
      return { tf, backend: "tensorflow" };
    } catch {
      // not installed or its native library is missing: fall through to WASM
    }
  }
  const tf = require("@tensorflow/tfjs") as Tf;
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  // Resolved through package.json: a literal path to the .wasm file would make Next.js's bundler
  // try to bundle the WebAssembly module itself.
  const wasmDir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  wasm.setWasmPaths(`${wasmDir}${path.sep}`);
  if (await tf.setBackend("wasm").catch(() => false)) {
    await tf.ready();
    log("TensorFlow.js backend: wasm (@tensorflow/tfjs-backend-wasm)");
    return { tf, backend: "wasm" };
  }
  await tf.setBackend("cpu");
  log("TensorFlow.js backend: cpu (WASM failed to initialise; expect slow training)");
  return { tf, backend: "cpu" };
}

export function loadTf(log: (msg: string) => void = (m) => console.log(m)): Promise<TfHandle> {
  pending ??= load(log);
  return pending;
}

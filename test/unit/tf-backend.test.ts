import { describe, expect, it } from "vitest";
import { loadTf } from "@/lib/tf/backend";

describe("TF.js backend", () => {
  it("loads a fast backend and trains a tiny model that learns y = 2x - 1", async () => {
    const messages: string[] = [];
    const { tf, backend } = await loadTf((m) => messages.push(m));
    expect(["tensorflow", "wasm"]).toContain(backend);
    expect(messages.join("\n")).toContain(`backend: ${backend}`);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: tf.initializers.zeros() })],
    });
    model.compile({ optimizer: tf.train.adam(0.1), loss: "meanSquaredError" });
    const xs = tf.tensor2d([-1, 0, 1, 2, 3, 4], [6, 1]);
    const ys = tf.tensor2d([-3, -1, 1, 3, 5, 7], [6, 1]);
    const history = await model.fit(xs, ys, { epochs: 300, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(losses[0] / 100);
    const pred = model.predict(tf.tensor2d([10], [1, 1])) as import("@tensorflow/tfjs").Tensor;
    expect((await pred.data())[0]).toBeCloseTo(19, 0);
    tf.dispose([xs, ys, pred]);
  });
});

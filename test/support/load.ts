import net from "node:net";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import { defaultScenario, World } from "@/lib/simulator";
import { Rng } from "@/lib/random/rng";

/** Request bodies for load tests and benchmarks: realistic rank requests with n candidates. */
export function rankBodies(count: number, candidates: number, seed = "load"): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      userId: `load-user-${rng.int(1_000_000)}`,
      requestId: `r${i}`,
      context: { sessionId: `s${i % 997}` },
      user: { features: { activity: rng.next(), tenure: rng.next() } },
      candidates: Array.from({ length: candidates }, (_, j) => ({
        itemId: `item-${i}-${j}`,
        scores: Object.fromEntries(SCORE_NAMES.map((s) => [s, Math.min(0.999, Math.max(0.001, rng.beta(1, 6)))])),
        features: { quality: rng.next(), freshness: rng.next(), duration: rng.next() },
      })),
      k: 10,
    }),
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * A lean HTTP/1.1 client for load generation: keep-alive sockets, one request in flight per socket,
 * bodies written as they are (pre-encoded Buffers), responses framed by Content-Length. On a 2-core
 * machine the load generator shares the CPU with the server it measures; node:http's client (and
 * fetch, several times more) spends noticeably more per request than this. Chunked responses are
 * not supported (the serving routes always send Content-Length): they fail the request.
 */
export function httpClient(baseUrl: string, headers: Record<string, string>, maxSockets = 128) {
  const { hostname, port } = new URL(baseUrl);
  const head = Object.entries({
    host: `${hostname}:${port}`,
    connection: "keep-alive",
    "content-type": "application/json",
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const idle: Connection[] = [];
  const queued: (() => void)[] = [];
  let open = 0;

  type Response = { status: number; body: string };
  class Connection {
    readonly socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
    private chunks: Buffer[] = [];
    private received = 0;
    private pending: { resolve: (r: Response) => void; reject: (e: Error) => void } | null = null;

    constructor() {
      let error: Error | undefined;
      this.socket.on("data", (d: Buffer) => this.onData(d));
      this.socket.on("error", (err) => (error = err)); // "close" follows
      this.socket.on("close", () => {
        open--;
        const i = idle.indexOf(this);
        if (i >= 0) idle.splice(i, 1);
        this.pending?.reject(error ?? new Error("connection closed"));
        this.pending = null;
        queued.shift()?.();
      });
    }

    send(path: string, body: string | Buffer): Promise<Response> {
      return new Promise((resolve, reject) => {
        this.pending = { resolve, reject };
        this.socket.cork();
        this.socket.write(`POST ${path} HTTP/1.1\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n`);
        this.socket.write(body);
        this.socket.uncork();
      });
    }

    private onData(d: Buffer) {
      this.chunks.push(d);
      this.received += d.length;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [all];
      const end = all.indexOf("\r\n\r\n");
      if (end < 0 || !this.pending) return;
      const header = all.toString("latin1", 0, end);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(header);
      if (!length) {
        this.pending.reject(new Error(`response without content-length: ${header.split("\r\n")[0]}`));
        this.pending = null;
        this.socket.destroy();
        return;
      }
      const total = end + 4 + Number(length[1]);
      if (this.received < total) return;
      const response = { status: Number(header.slice(9, 12)), body: all.toString("utf8", end + 4, total) };
      this.chunks = this.received > total ? [all.subarray(total)] : [];
      this.received -= total;
      const { resolve } = this.pending;
      this.pending = null;
      if (/\r\nconnection:\s*close/i.test(header)) this.socket.destroy();
      else release(this);
      resolve(response);
    }
  }

  function release(c: Connection) {
    idle.push(c);
    queued.shift()?.();
  }

  async function connection(): Promise<Connection> {
    for (;;) {
      const c = idle.pop();
      if (c) return c;
      if (open < maxSockets) {
        open++;
        return new Connection();
      }
      await new Promise<void>((r) => queued.push(r));
    }
  }

  const post = async (path: string, body: string | Buffer): Promise<Response> => (await connection()).send(path, body);
  post.close = () => idle.splice(0).forEach((c) => c.socket.destroy());
  return post;
}

/**
 * Rank request bodies as the simulator's users and items would produce them: real feature names and
 * values (what a trained RL policy expects) and the MTL layer's predicted scores.
 */
export function simulatedRankBodies(count: number, candidates: number, seed = "load"): string[] {
  const world = new World(defaultScenario(), seed);
  const rng = new Rng(`${seed}:bodies`);
  const { layout } = world;
  const dUs = layout.userStatic.length;
  const dI = layout.item.length;
  const preds = new Float32Array(NUM_TASKS);
  return Array.from({ length: count }, (_, i) => {
    const u = rng.int(world.numUsers);
    const userFeatures: Record<string, number> = {};
    layout.userStatic.forEach((name, k) => (userFeatures[name] = world.userStaticFeatures[u * dUs + k]));
    layout.userSession.forEach((name) => (userFeatures[name] = rng.next()));
    return JSON.stringify({
      userId: `sim-user-${u}`,
      requestId: `r${i}`,
      context: { sessionId: `s${u}`, ...Object.fromEntries(layout.context.map((name) => [name, rng.next()])) },
      user: { features: userFeatures },
      candidates: Array.from({ length: candidates }, () => {
        const j = rng.int(world.numItems);
        world.predictedScores(u, j, preds, 0);
        return {
          itemId: `item-${j}-${rng.int(1e9)}`,
          scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, preds[k]])),
          features: Object.fromEntries(layout.item.map((name, k) => [name, world.itemFeatures[j * dI + k]])),
        };
      }),
      k: 10,
    });
  });
}

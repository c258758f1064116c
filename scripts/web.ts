/**
 * The web process: Next.js (production build) behind a plain Node HTTP server, so that shutdown is
 * ours: stop accepting, finish in-flight requests, then exit. Started by `npm start`; on other
 * machines `npm run web` with the same environment scales the stateless web tier out. With
 * FUSIONLAB_WEB_PROCESSES > 1 this process becomes a Node cluster primary that only hands
 * connections to that many server processes (one JavaScript thread each), restarts one that dies,
 * and on SIGTERM stops them all — each drains its own requests — before it exits.
 */
import cluster from "node:cluster";
import http from "node:http";
import next from "next";
import { POST as ingestEventsRoute } from "@/app/api/v1/events/route";
import { POST as rankRoute } from "@/app/api/v1/rank/route";
import { ConfigError, loadEnv } from "@/lib/config/env";
import { CLIENT_IP_HEADER } from "@/lib/http/client-ip";
import { serveWithNode } from "@/lib/http/node-adapter";
import { SECURITY_HEADERS } from "@/lib/http/security-headers";
import { collectClusterMetrics, joinClusterMetrics, metricsEndpoint } from "@/lib/monitoring/metrics-text";
import { warmServing } from "@/lib/serving/warm-serving";

// The serving hot path skips Next.js's router (several ms per request); same handlers as app/api.
const FAST_ROUTES = new Map([
  ["/api/v1/rank", rankRoute.core],
  ["/api/v1/events", ingestEventsRoute.core],
]);

/**
 * GET /metrics (Prometheus text, metrics:read scope) on its own port, so that it never meets the
 * app's own /metrics page and can be firewalled apart. Served by the cluster primary when there is
 * one (it sums its server processes), else by the one server process. A port already taken costs
 * the metrics, not the web tier.
 */
function serveMetrics(port: number, host: string) {
  if (port === 0) return;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/metrics")
      return void serveWithNode(metricsEndpoint.core, req, res);
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: the metrics port serves GET /metrics\n");
  });
  server.on("error", (err) => console.error(`[web] metrics port ${port}: ${err.message}; GET /metrics is unavailable`));
  server.listen(port, host, () => console.log(`[web] metrics on http://${host}:${port}/metrics`));
  server.unref();
}

async function serve() {
  const env = loadEnv();
  if (cluster.isWorker) joinClusterMetrics();
  else serveMetrics(env.FUSIONLAB_METRICS_PORT, env.HOST);
  // `npm run dev` passes --dev (Next.js attaches its reload socket to our server on the first request).
  const app = next({ dev: process.argv.includes("--dev"), dir: process.cwd(), hostname: env.HOST, port: env.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  // Warm before listening; a database that is not reachable yet only means a cold first request.
  await warmServing().then(
    (what) => console.log(`[web] serving warm: ${what}`),
    (err: unknown) =>
      console.error(`[web] serving warm-up skipped: ${err instanceof Error ? err.message : String(err)}`),
  );
  const dispatch = (req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean) => {
    const fast = req.method === "POST" ? FAST_ROUTES.get((req.url ?? "").split("?")[0]) : undefined;
    // The fast path sends "100 Continue" itself once the key and the length passed.
    if (fast) return void serveWithNode(fast, req, res, SECURITY_HEADERS);
    if (expectsContinue) res.writeContinue();
    // Replaces whatever the client claimed: code behind Next.js counts failures per this address.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "unknown";
    void handle(req, res);
  };
  const server = http.createServer((req, res) => dispatch(req, res, false));
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => dispatch(req, res, true));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, resolve);
  });
  console.log(`[web] listening on http://${env.HOST}:${env.PORT}`);

  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[web] ${why}: draining connections`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 15_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("disconnect", () => shutdown("launcher went away"));
}

function supervise(processes: number) {
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    let listening = false;
    worker.once("listening", () => (listening = true));
    worker.on("exit", (code, signal) => {
      if (stopping) return;
      // One that never came up would fail again: stop, so the launcher reports it and shuts down.
      if (!listening) {
        console.error(`[web] a server process failed to start (${signal ?? code})`);
        process.exit(1);
      }
      console.error(`[web] server process exited (${signal ?? code}); starting another`);
      setTimeout(() => !stopping && fork(), 1_000);
    });
  };
  collectClusterMetrics();
  const env = loadEnv();
  serveMetrics(env.FUSIONLAB_METRICS_PORT, env.HOST);
  for (let i = 0; i < processes; i++) fork();
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[web] ${why}: stopping ${processes} server processes`);
    const alive = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    if (alive.length === 0) process.exit(0);
    let left = alive.length;
    for (const w of alive) {
      w.once("exit", () => --left === 0 && process.exit(0));
      w.process.kill("SIGTERM");
    }
    setTimeout(() => process.exit(0), 20_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("disconnect", () => shutdown("launcher went away"));
}

async function main() {
  const { FUSIONLAB_WEB_PROCESSES: processes } = loadEnv();
  if (processes > 1 && cluster.isPrimary) supervise(processes);
  else await serve();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `fusionlab web: ${err.message}` : err);
  process.exit(1);
});

/**
 * The web process: Next.js (production build) behind a plain Node HTTP server, so that shutdown is
 * ours: stop accepting, finish in-flight requests, then exit. Started by `npm start`; on other
 * machines `npm run web` with the same environment scales the stateless web tier out.
 */
import http from "node:http";
import next from "next";
import { POST as ingestEventsRoute } from "@/app/api/v1/events/route";
import { POST as rankRoute } from "@/app/api/v1/rank/route";
import { ConfigError, loadEnv } from "@/lib/config/env";
import { serveWithNode } from "@/lib/http/node-adapter";

// The serving hot path skips Next.js's router (several ms per request); same handlers as app/api.
const FAST_ROUTES = new Map([
  ["/api/v1/rank", rankRoute.core],
  ["/api/v1/events", ingestEventsRoute.core],
]);

async function main() {
  const env = loadEnv();
  const app = next({ dev: false, dir: process.cwd(), hostname: env.HOST, port: env.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    const fast = req.method === "POST" ? FAST_ROUTES.get((req.url ?? "").split("?")[0]) : undefined;
    void (fast ? serveWithNode(fast, req, res) : handle(req, res));
  });
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

main().catch((err) => {
  console.error(err instanceof ConfigError ? `fusionlab web: ${err.message}` : err);
  process.exit(1);
});

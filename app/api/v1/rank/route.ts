import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { rank } from "@/lib/serving/rank";

export const dynamic = "force-dynamic";

// 2,000 candidates with features fit in a few MB; rank() reads the bytes (and checks the candidate limit).
export const POST = apiRoute(
  { scope: "serve", metricsRoute: "/api/v1/rank", body: z.instanceof(Buffer), rawBody: true, maxBodyBytes: 8 << 20 },
  async ({ body }) => rank(body),
);

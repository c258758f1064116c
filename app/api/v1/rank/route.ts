import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { rank } from "@/lib/serving/rank";

export const dynamic = "force-dynamic";

// 2,000 candidates with features fit in a few MB; the candidate limit itself is checked in rank().
export const POST = apiRoute(
  { scope: "serve", metricsRoute: "/api/v1/rank", body: z.unknown(), maxBodyBytes: 8 << 20 },
  async ({ body }) => rank(body),
);

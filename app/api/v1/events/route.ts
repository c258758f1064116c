import { z } from "zod";
import { ingestEvents } from "@/lib/events/ingest-events";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  { scope: "serve", metricsRoute: "/api/v1/events", body: z.unknown(), maxBodyBytes: 4 << 20 },
  async ({ body }) => ingestEvents(body),
);

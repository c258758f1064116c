import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { createScenario, listScenarios } from "@/lib/scenarios/scenario-service";

export const dynamic = "force-dynamic";

const view = (s: {
  id: string;
  key: string;
  name: string;
  description: string | null;
  config: unknown;
  createdAt: Date;
}) => ({
  id: s.id,
  key: s.key,
  name: s.name,
  description: s.description,
  config: s.config,
  createdAt: s.createdAt.toISOString(),
});

export const GET = apiRoute({ scope: "policies:read" }, async () => ({ scenarios: (await listScenarios()).map(view) }));

export const POST = apiRoute(
  { scope: "policies:write", body: z.unknown(), successStatus: 201 },
  async ({ actor, body }) => view(await createScenario(actor, body)),
);

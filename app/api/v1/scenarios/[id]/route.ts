import { apiRoute } from "@/lib/http/api-route";
import { idOrKeyParams } from "@/lib/validation";
import { findScenario } from "@/lib/scenarios/scenario-service";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "policies:read", params: idOrKeyParams }, async ({ params }) => {
  const s = await findScenario(params.id);
  return {
    id: s.id,
    key: s.key,
    name: s.name,
    description: s.description,
    config: s.config,
    createdAt: s.createdAt.toISOString(),
  };
});

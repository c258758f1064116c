import { createLayerInput } from "@/lib/experiments/experiment-input";
import { createLayer, listLayers } from "@/lib/experiments/layers";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read" }, async () => ({ layers: await listLayers() }));

export const POST = apiRoute(
  { scope: "experiments:write", body: createLayerInput, successStatus: 201 },
  async ({ actor, body }) => {
    const layer = await createLayer(actor, body);
    return { id: layer.id, key: layer.key, name: layer.name, description: layer.description, priority: layer.priority };
  },
);

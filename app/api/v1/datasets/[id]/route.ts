import { getDataset, serializeDataset } from "@/lib/dataset-store/dataset-service";
import { apiRoute } from "@/lib/http/api-route";
import { idOrKeyParams } from "@/lib/validation";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "policies:read", params: idOrKeyParams }, async ({ params }) =>
  serializeDataset(await getDataset(params.id)),
);

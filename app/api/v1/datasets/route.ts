import { z } from "zod";
import { listDatasets, serializeDataset, startDatasetSimulation } from "@/lib/dataset-store/dataset-service";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "policies:read" }, async () => ({
  datasets: (await listDatasets()).map(serializeDataset),
}));

/** Starts a simulated dataset; 202: it is built by the `simulate-dataset` job (see jobId). */
export const POST = apiRoute(
  { scope: "policies:write", body: z.unknown(), successStatus: 202 },
  async ({ actor, body }) => startDatasetSimulation(actor, body),
);

import { apiRoute } from "@/lib/http/api-route";
import { jobIdParams, serializeJob } from "@/lib/jobs/job-api";
import { cancelJob } from "@/lib/jobs/job-service";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ scope: "policies:write", params: jobIdParams }, async ({ actor, params }) =>
  serializeJob(await cancelJob(actor, params.id)),
);

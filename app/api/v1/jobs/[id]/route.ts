import { apiRoute } from "@/lib/http/api-route";
import { jobIdParams, serializeJob } from "@/lib/jobs/job-api";
import { getJob } from "@/lib/jobs/job-service";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "policies:read", params: jobIdParams }, async ({ params }) =>
  serializeJob(await getJob(params.id)),
);

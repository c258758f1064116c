import { apiRoute } from "@/lib/http/api-route";
import { enqueueJobBody, listJobsQuery, serializeJob } from "@/lib/jobs/job-api";
import { enqueueJob, listJobs } from "@/lib/jobs/job-service";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "policies:read", query: listJobsQuery }, async ({ query }) => ({
  jobs: (await listJobs({ take: query.limit, state: query.state })).map(serializeJob),
}));

export const POST = apiRoute(
  { scope: "policies:write", body: enqueueJobBody, successStatus: 201 },
  async ({ actor, body }) => serializeJob(await enqueueJob(actor, body.type, body.payload)),
);

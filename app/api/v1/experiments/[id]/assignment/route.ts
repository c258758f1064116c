import { assignmentQuery, experimentRef } from "@/lib/experiments/experiment-input";
import { experimentAssignment } from "@/lib/experiments/experiment-assignment";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { scope: "experiments:read", params: experimentRef, query: assignmentQuery },
  async ({ params, query }) => experimentAssignment(params.id, query.userId),
);

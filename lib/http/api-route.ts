import type { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { authenticateApiKey } from "@/lib/api-keys/authenticate-api-key";
import type { ApiScope } from "@/lib/api-keys/scopes";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/error-response";
import { parseInput } from "@/lib/validation";

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

interface RouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  scope: ApiScope;
  params?: P;
  query?: Q;
  body?: B;
  /** Bodies above this size are refused with 413 before parsing. */
  maxBodyBytes?: number;
  successStatus?: number;
}

interface RouteContext<P, Q, B> {
  actor: Actor & { kind: "apiKey" };
  params: P;
  query: Q;
  body: B;
  request: Request;
}

const DEFAULT_MAX_BODY = 1 << 20;

/**
 * The thin shell of every /api/v1 route: authenticate the key and its scope, parse params, query and
 * body with zod (400 naming the field on failure), call the domain function, serialise the result or
 * the error in the shape of DESIGN §9.
 */
export function apiRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>,
) {
  return async (request: Request, context: { params: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    try {
      const actor = await authenticateApiKey(request.headers.get("authorization"), spec.scope);
      const params = spec.params ? parseInput(spec.params, await context.params, "path") : undefined;
      const query = spec.query
        ? parseInput(spec.query, Object.fromEntries(new URL(request.url).searchParams), "query")
        : undefined;
      let body: unknown;
      if (spec.body) {
        const text = await request.text();
        const limit = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;
        if (Buffer.byteLength(text) > limit) throw new AppError("payload_too_large", `request body exceeds ${limit} bytes`);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new AppError("bad_request", "request body is not valid JSON");
        }
        body = parseInput(spec.body, json, "body");
      }
      const result = await handler({
        actor,
        params: params as Out<P>,
        query: query as Out<Q>,
        body: body as Out<B>,
        request,
      });
      return Response.json(result, { status: spec.successStatus ?? 200 });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

import type { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { authenticateApiKey } from "@/lib/api-keys/authenticate-api-key";
import type { ApiScope } from "@/lib/api-keys/scopes";
import { AppError, isAppError } from "@/lib/errors";
import { clientIp } from "@/lib/http/client-ip";
import { parseJson } from "@/lib/http/parse-json";
import { declaredLength, readCapped } from "@/lib/http/read-body";
import { processMetrics } from "@/lib/monitoring/process-metrics";
import { parseInput } from "@/lib/validation";

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

interface RouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  scope: ApiScope;
  params?: P;
  query?: Q;
  body?: B;
  /** An empty body reads as `{}` (routes whose body only carries options, e.g. start). */
  optionalBody?: boolean;
  /** The body goes to `body` as its bytes, unparsed: the route reads them itself (the rank path). */
  rawBody?: boolean;
  /** Bodies above this size are refused with 413 before parsing. */
  maxBodyBytes?: number;
  successStatus?: number;
  /** Records the route's latency by status in /metrics under this name (the serving routes). */
  metricsRoute?: string;
  /** The handler returns text of this type instead of a value to send as JSON. */
  contentType?: string;
}

interface RouteContext<P, Q, B> {
  actor: Actor & { kind: "apiKey" };
  params: P;
  query: Q;
  body: B;
  request: Request;
}

/** A request reduced to what the API needs, so that it can come from Next.js or straight from Node's HTTP server. */
export interface ApiInput {
  url: string;
  authorization: string | null;
  /** The declared Content-Length, when there is one: checked against the route's limit before any byte is read. */
  contentLength: number | null;
  /** The peer's address (rate limits of failed key lookups count per address). */
  clientIp: string;
  params: Record<string, string | string[]>;
  /** Reads the raw body (only called for routes that take one), refusing it with 413 past `limit` bytes. */
  bodyBytes: (limit: number) => Promise<Buffer>;
  /** The original Web request, for routes that stream their body; built lazily on the Node path. */
  request: () => Request;
}

export interface ApiResult {
  status: number;
  /** Sent as JSON, unless contentType says it is text. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

const DEFAULT_MAX_BODY = 1 << 20;

/**
 * docs/architecture.md §9 error shape: { error: { code, message, issues? } } with the status from the one code table.
 */
export function errorResult(err: unknown): ApiResult {
  const appErr = isAppError(err) ? err : new AppError("internal", "internal error");
  if (!isAppError(err)) console.error("unhandled error in API route:", err);
  return {
    status: appErr.status,
    body: {
      error: { code: appErr.code, message: appErr.message, ...(appErr.issues ? { issues: appErr.issues } : {}) },
    },
    ...(appErr.retryAfterSeconds ? { headers: { "retry-after": String(appErr.retryAfterSeconds) } } : {}),
  };
}

export type ApiCore = (input: ApiInput) => Promise<ApiResult>;
export type NextRouteHandler = ((
  request: Request,
  context: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>) & { core: ApiCore };

/**
 * The thin shell of every /api/v1 route: authenticate the key and its scope, parse params, query and
 * body with zod (400 naming the field on failure), call the domain function, serialise the result or
 * the error in the shape of docs/architecture.md §9. Returns a Next.js route handler that also exposes `core`,
 * which the web process calls directly for the serving hot path (lib/http/node-adapter.ts).
 */
export function apiRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>,
): NextRouteHandler {
  const run: ApiCore = async (input) => {
    try {
      const actor = await authenticateApiKey(input.authorization, spec.scope, input.clientIp);
      const params = spec.params ? parseInput(spec.params, input.params, "path") : undefined;
      const query = spec.query
        ? parseInput(spec.query, Object.fromEntries(new URL(input.url).searchParams), "query")
        : undefined;
      let body: unknown;
      if (spec.body) {
        const limit = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;
        if (input.contentLength !== null && input.contentLength > limit)
          throw new AppError("payload_too_large", `request body exceeds ${limit} bytes`);
        const bytes = await input.bodyBytes(limit);
        let json: unknown = spec.rawBody ? bytes : {};
        try {
          if (!spec.rawBody && (!spec.optionalBody || bytes.length > 0)) json = parseJson(bytes);
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
        get request() {
          return input.request();
        },
      });
      return {
        status: spec.successStatus ?? 200,
        body: result,
        ...(spec.contentType ? { contentType: spec.contentType } : {}),
      };
    } catch (err) {
      return errorResult(err);
    }
  };
  const { metricsRoute } = spec;
  const core: ApiCore = metricsRoute
    ? async (input) => {
        const stop = processMetrics.apiDuration.startTimer({ route: metricsRoute });
        const result = await run(input);
        stop({ status: result.status });
        return result;
      }
    : run;
  const route = async (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => {
    const result = await core({
      url: request.url,
      authorization: request.headers.get("authorization"),
      contentLength: declaredLength(request.headers.get("content-length")),
      clientIp: clientIp(request.headers),
      params: await context.params,
      bodyBytes: (limit) => readCapped(request.body, limit),
      request: () => request,
    });
    const { status, body, headers, contentType } = result;
    return contentType
      ? new Response(body as string, { status, headers: { ...headers, "content-type": contentType } })
      : Response.json(body, { status, headers });
  };
  return Object.assign(route, { core });
}

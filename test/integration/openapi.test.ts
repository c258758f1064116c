import fs from "node:fs";
import path from "node:path";
import { Validator, type SpecData } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import * as openApiRoute from "@/app/api/v1/openapi.json/route";
import { describedOperations, openApiDocument } from "@/lib/api/openapi";
import { rankBody } from "@/lib/serving/rank-input";

/**
 * The OpenAPI 3.1 description of /api/v1: valid for a real OpenAPI validator, one operation for
 * every exported handler of every route file under app/api/v1 (and none without one), and the
 * README's curl example is a request the description accepts.
 */
type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: object }> }; security?: object[] }>
  >;
  components: { securitySchemes: Record<string, { scheme: string }> };
};
const doc = openApiDocument() as unknown as Doc;
const API_DIR = path.join(process.cwd(), "app", "api", "v1");

/** [method, path] of every handler a route file under app/api/v1 exports (the catch-all 404 aside). */
function routeOperations(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const route = `/api/v1/${path.relative(API_DIR, dir).split(path.sep).join("/")}`
          .replace(/\/$/, "")
          .replace(/\[(\w+)\]/g, "{$1}");
        if (route.includes("[...")) continue;
        const source = fs.readFileSync(full, "utf8");
        for (const m of source.matchAll(/export (?:const|async function|function) (GET|POST|PATCH|PUT|DELETE)\b/g))
          out.push([m[1].toLowerCase(), route]);
      }
    }
  };
  walk(API_DIR);
  return out.sort();
}

describe("OpenAPI 3.1 for /api/v1", () => {
  it("is a valid OpenAPI 3.1 document (a real validator; it does reject a broken one)", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as SpecData);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    const broken = structuredClone(doc) as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken as unknown as SpecData)).valid).toBe(false);
  });

  it("describes every handler of every route file under app/api/v1, and nothing else", () => {
    const routes = routeOperations();
    expect(routes.length).toBeGreaterThan(20);
    const described = describedOperations()
      .map(([m, p]) => [m, p] as [string, string])
      .sort();
    expect(described).toEqual(routes);
    for (const [method, route] of routes)
      expect(doc.paths[route]?.[method], `${method.toUpperCase()} ${route}`).toBeDefined();
  });

  it("is served at /api/v1/openapi.json", async () => {
    const res = openApiRoute.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it("accepts the README's curl example, as the rank route's own schema does", () => {
    const readme = fs.readFileSync(path.join(process.cwd(), "README.md"), "utf8");
    const curl = /```bash\n(curl [\s\S]*?)```/.exec(readme.slice(readme.indexOf("/api/v1/rank -H") - 40))?.[1] ?? "";
    const url = /curl -s (\S+)/.exec(curl)?.[1] ?? "";
    const header = /-H "([^"]+)"/.exec(curl)?.[1] ?? "";
    const body = JSON.parse(/-d '([\s\S]*?)'/.exec(curl)?.[1] ?? "null");
    const route = new URL(`http://${url}`).pathname;
    // curl with -d POSTs; the path, method, auth scheme and body must all be the described ones.
    const op = doc.paths[route]?.post;
    expect(op, `README curl: POST ${route}`).toBeDefined();
    expect(header).toMatch(/^Authorization: Bearer \$\w+$/);
    expect(op!.security).toEqual([{ apiKey: [] }]);
    expect(doc.components.securitySchemes.apiKey.scheme).toBe("bearer");
    const validate = new Ajv2020({ strict: false }).compile(op!.requestBody!.content["application/json"].schema);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(rankBody.safeParse(body).success).toBe(true);
    // And the description is not a rubber stamp: a body the route refuses is refused by it too.
    expect(validate({ ...body, candidates: [] })).toBe(false);
  });
});

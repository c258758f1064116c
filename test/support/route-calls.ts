/** Calling /api/v1 route handlers in-process, as Next.js would, with an API key. */
export const routeContext = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

export const routeRequest = (path: string, key: string, init: { method?: string; body?: unknown } = {}) =>
  new Request(`http://test${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

/** A JSON client of a running platform's API that throws on any non-2xx answer. */
export function platformApi(baseUrl: () => string, key: string) {
  return async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
    return json as T;
  };
}

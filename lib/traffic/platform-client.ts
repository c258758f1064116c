import { AppError } from "@/lib/errors";

/** A minimal client of FusionLab's own public API, used the way a production ranking service would. */
export class PlatformClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async post<T>(path: string, body: unknown, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      } catch (err) {
        if (attempt >= attempts) throw new AppError("unavailable", `${path}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      if (res.ok) return (await res.json()) as T;
      // 5xx and 429 are worth another try; 4xx means the request itself is wrong.
      if ((res.status >= 500 || res.status === 429) && attempt < attempts) {
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      throw new AppError("unavailable", `${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    }
  }
}

import { loadEnv } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/**
 * Cookie-authenticated routes outside server actions (which Next.js checks itself) refuse requests
 * whose Origin is not this site: a page elsewhere must not post with a signed-in user's cookies.
 */
export function requireSameOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  const allowed = new Set([new URL(request.url).origin]);
  if (host) allowed.add(`http://${host}`).add(`https://${host}`);
  const publicUrl = loadEnv().NEXTAUTH_URL;
  if (publicUrl) allowed.add(new URL(publicUrl).origin);
  if (!origin || !allowed.has(origin))
    throw new AppError("forbidden", "cross-origin request refused: send it from the FusionLab page");
}

import NextAuth from "next-auth";
import { refuseLockedSignIn } from "@/lib/auth/sign-in-throttle";
import { authOptions } from "@/lib/auth/next-auth-options";
import { isAppError } from "@/lib/errors";
import { errorResult } from "@/lib/http/api-route";
import { clientIp } from "@/lib/http/client-ip";
import { readCapped } from "@/lib/http/read-body";

const handler = NextAuth(authOptions);

/**
 * Sign-in attempts of a locked account or address get a real 429 with Retry-After (next-auth itself
 * can only answer 401), before next-auth reads the form or any password is hashed. The body carries
 * `url` as next-auth's client expects.
 */
async function post(request: Request, context: unknown): Promise<Response> {
  if (new URL(request.url).pathname.endsWith("/callback/credentials")) {
    try {
      const form = new URLSearchParams((await readCapped(request.clone().body, 16 << 10)).toString("utf8"));
      await refuseLockedSignIn(form.get("email") ?? "", clientIp(request.headers));
    } catch (err) {
      if (!isAppError(err)) throw err;
      const { status, body, headers } = errorResult(err);
      return Response.json(
        { ...(body as object), url: new URL("/?error=RateLimited", request.url).toString() },
        { status, headers },
      );
    }
  }
  return (handler as (req: Request, ctx: unknown) => Promise<Response>)(request, context);
}

export { handler as GET, post as POST };

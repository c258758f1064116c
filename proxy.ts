import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER } from "@/lib/auth/return-path";

/**
 * Hands each page request's own path to server components, so that a signed-out visitor of a deep
 * link is sent to sign in and back to that page (server components cannot read the URL otherwise).
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

// Pages only: not the API, Next's assets or the icon.
export const config = { matcher: ["/((?!api/|_next/|icon\\.svg|favicon\\.ico).+)"] };

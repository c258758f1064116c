/** The request header proxy.ts fills with the page's path and query. */
export const REQUEST_PATH_HEADER = "x-fusionlab-path";

/**
 * Where to go after signing in: a path of this site (starting with one "/"), else the dashboard.
 * Anything else — another origin, "//host", a scheme — is refused (no open redirect).
 */
export function safeReturnPath(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\") || raw === "/") return "/dashboard";
  return raw;
}

/**
 * Headers on every response, from Next.js (next.config.ts headers()) and from the serving fast path
 * (scripts/web.ts). Next.js App Router pages carry inline bootstrap scripts and styles, so the CSP
 * allows 'unsafe-inline' for scripts and styles; per-request nonces would force every page to render
 * dynamically. Everything else is locked down: same-origin sources only, no framing, no plugins.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
};

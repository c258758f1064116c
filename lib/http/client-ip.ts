/**
 * The web process (scripts/web.ts) sets this header on every request to the socket's peer address,
 * replacing whatever a client sent, so that code behind Next.js can count per client address.
 */
export const CLIENT_IP_HEADER = "x-fusionlab-client-ip";

export function clientIp(headers: Headers): string {
  return headers.get(CLIENT_IP_HEADER) ?? "unknown";
}

import fs from "node:fs";

/**
 * Creates (or tightens) a directory of local state so that other local users cannot list or read it.
 * `traversable`: others may pass through it but not list it; the embedded PostgreSQL runs as the
 * `postgres` system user when FusionLab runs as root and must reach its cluster inside the data dir.
 */
export function ensurePrivateDir(dir: string, opts: { traversable?: boolean } = {}): string {
  const mode = opts.traversable ? 0o711 : 0o700;
  fs.mkdirSync(dir, { recursive: true, mode });
  fs.chmodSync(dir, mode);
  return dir;
}

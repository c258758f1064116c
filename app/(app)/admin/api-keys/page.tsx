import { ApiKeysTable, CreateApiKeyForm } from "@/components/api-keys-admin";
import { requirePageUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { isTrafficKeyName } from "@/lib/traffic/traffic-key";
import { count } from "@/lib/ui/format";

export const metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  await requirePageUser("admin");
  const rows = await db.apiKey.findMany({
    orderBy: { createdAt: "desc" },
    include: { createdBy: { select: { email: true } } },
  });
  const toRow = (k: (typeof rows)[number]) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    createdBy: k.createdBy?.email ?? null,
  });
  // Keys that traffic simulations made for themselves (and revoked when done) are kept apart.
  const keys = rows.filter((k) => !isTrafficKeyName(k.name)).map(toRow);
  const simulationKeys = rows.filter((k) => isTrafficKeyName(k.name)).map(toRow);
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        <p className="muted">
          Services call <code>/api/v1</code> with <code>Authorization: Bearer &lt;key&gt;</code>. Keys are stored hashed
          and shown once.
        </p>
      </div>
      <section className="card">
        <ApiKeysTable keys={keys} />
        {simulationKeys.length > 0 && (
          <details>
            <summary>
              {count(simulationKeys.length, "key")} made by traffic simulations (
              {simulationKeys.filter((k) => !k.revokedAt).length} still active)
            </summary>
            <p className="muted small">
              Each simulate-traffic job makes a serve-only key for its simulated users and revokes it when it ends.
            </p>
            <ApiKeysTable keys={simulationKeys} label="Traffic simulation API keys" />
          </details>
        )}
      </section>
      <section className="card">
        <h2>Create a key</h2>
        <CreateApiKeyForm />
      </section>
    </>
  );
}

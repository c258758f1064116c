import { ApiKeysTable, CreateApiKeyForm } from "@/components/api-keys-admin";
import { requirePageUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";

export const metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  await requirePageUser("admin");
  const keys = await db.apiKey.findMany({ orderBy: { createdAt: "desc" }, include: { createdBy: { select: { email: true } } } });
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        <p className="muted">
          Services call <code>/api/v1</code> with <code>Authorization: Bearer &lt;key&gt;</code>. Keys are stored hashed and shown once.
        </p>
      </div>
      <section className="card">
        <ApiKeysTable
          keys={keys.map((k) => ({
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes,
            createdAt: k.createdAt.toISOString(),
            lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
            revokedAt: k.revokedAt?.toISOString() ?? null,
            createdBy: k.createdBy?.email ?? null,
          }))}
        />
      </section>
      <section className="card">
        <h2>Create a key</h2>
        <CreateApiKeyForm />
      </section>
    </>
  );
}

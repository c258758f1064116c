"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createApiKeyAction, revokeApiKeyAction } from "@/app/actions/api-keys";
import { DataTable } from "@/components/data-table";
import { dateTime } from "@/lib/ui/format";
import { API_SCOPES } from "@/lib/api-keys/scopes";

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
};

function RevokeButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <button
      type="button"
      className="danger small"
      disabled={pending}
      aria-label={`Revoke ${name}`}
      onClick={() => {
        if (!confirm(`Revoke "${name}"? Callers using it get 401 from now on.`)) return;
        start(async () => {
          await revokeApiKeyAction(id);
          router.refresh();
        });
      }}
    >
      Revoke
    </button>
  );
}

const columns: ColumnDef<ApiKeyRow, unknown>[] = [
  { accessorKey: "name", header: "Name" },
  { accessorKey: "prefix", header: "Key", cell: ({ row }) => <code>{row.original.prefix}…</code> },
  { accessorKey: "scopes", header: "Scopes", cell: ({ row }) => row.original.scopes.join(", ") },
  {
    accessorKey: "lastUsedAt",
    header: "Last used",
    cell: ({ row }) => (row.original.lastUsedAt ? dateTime(row.original.lastUsedAt) : "never"),
  },
  {
    id: "status",
    header: "Status",
    accessorFn: (k) => (k.revokedAt ? "revoked" : "active"),
    cell: ({ row }) =>
      row.original.revokedAt ? (
        <span className="badge state-cancelled">revoked</span>
      ) : (
        <RevokeButton id={row.original.id} name={row.original.name} />
      ),
  },
];

export function ApiKeysTable({ keys, label = "API keys" }: { keys: ApiKeyRow[]; label?: string }) {
  return (
    <DataTable
      label={label}
      data={keys}
      columns={columns}
      filterPlaceholder="Filter keys…"
      empty={<p>No API keys yet. Create one for each service that calls the fusion API.</p>}
    />
  );
}

/** Copies a secret to the clipboard and says so (the key is shown only this once). */
function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <p className="row">
      <button
        type="button"
        onClick={() =>
          navigator.clipboard.writeText(text).then(
            () => setState("copied"),
            () => setState("failed"),
          )
        }
      >
        Copy key
      </button>
      <span role="status" className="small">
        {state === "copied"
          ? "Copied to the clipboard."
          : state === "failed"
            ? "Could not copy: select the key and copy it by hand."
            : ""}
      </span>
    </p>
  );
}

export function CreateApiKeyForm() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <form
        className="form grid-form"
        aria-label="Create API key"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          start(async () => {
            const res = await createApiKeyAction({
              name: String(f.get("name")),
              scopes: f.getAll("scopes").map(String),
            });
            if (res.ok) {
              setCreated(res.data);
              setError(null);
              form.reset();
              router.refresh();
            } else setError(res.error);
          });
        }}
      >
        <label>
          Name
          <input name="name" required placeholder="e.g. ranking-service-prod" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {Object.entries(API_SCOPES).map(([scope, text]) => (
            <label key={scope} className="check">
              <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "serve"} />{" "}
              <code>{scope}</code> <span className="muted small">{text}</span>
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={pending}>
            {pending ? "Creating…" : "Create key"}
          </button>
          {error && <span className="error">{error}</span>}
        </div>
      </form>
      {created && (
        <div className="callout" role="status">
          <p>
            Key <strong>{created.name}</strong> — copy it now, it is not shown again:
          </p>
          <code className="secret" data-testid="new-api-key">
            {created.key}
          </code>
          <CopyButton text={created.key} />
        </div>
      )}
    </>
  );
}

"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createUserAction, setUserRoleAction } from "@/app/actions/users";
import { DataTable } from "@/components/data-table";
import { dateTime } from "@/lib/ui/format";
import { ROLES } from "@/lib/auth/roles";

export type UserRow = { id: string; email: string; name: string; role: string; lastLoginAt: string | null; createdAt: string };

function RoleSelect({ user, self }: { user: UserRow; self: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <span>
      <select
        aria-label={`Role of ${user.email}`}
        value={user.role}
        disabled={pending || self}
        onChange={(e) =>
          start(async () => {
            const res = await setUserRoleAction(user.id, e.target.value);
            setError(res.ok ? null : res.error);
            router.refresh();
          })
        }
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {error && <span className="error small"> {error}</span>}
    </span>
  );
}

export function UsersTable({ users, selfId }: { users: UserRow[]; selfId: string }) {
  const columns: ColumnDef<UserRow, unknown>[] = [
    { accessorKey: "name", header: "Name" },
    { accessorKey: "email", header: "Email" },
    { accessorKey: "role", header: "Role", cell: ({ row }) => <RoleSelect user={row.original} self={row.original.id === selfId} /> },
    { accessorKey: "lastLoginAt", header: "Last sign-in", cell: ({ row }) => (row.original.lastLoginAt ? dateTime(row.original.lastLoginAt) : "never") },
  ];
  return <DataTable label="Users" data={users} columns={columns} filterPlaceholder="Filter users…" empty={<p>No users.</p>} />;
}

export function CreateUserForm() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ error?: string; fieldErrors?: Record<string, string>; created?: string }>({});
  return (
    <form
      className="form grid-form"
      aria-label="Create user"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        start(async () => {
          const res = await createUserAction({
            email: String(f.get("email")),
            name: String(f.get("name")),
            password: String(f.get("password")),
            role: String(f.get("role")),
          });
          if (res.ok) {
            setResult({ created: String(f.get("email")) });
            form.reset();
            router.refresh();
          } else setResult({ error: res.error, fieldErrors: res.fieldErrors });
        });
      }}
    >
      {(["name", "email", "password"] as const).map((field) => (
        <label key={field}>
          {field[0].toUpperCase() + field.slice(1)}
          <input name={field} type={field === "password" ? "password" : field === "email" ? "email" : "text"} required aria-invalid={!!result.fieldErrors?.[field]} />
          {result.fieldErrors?.[field] && <span className="error small">{result.fieldErrors[field]}</span>}
        </label>
      ))}
      <label>
        Role
        <select name="role" defaultValue="viewer">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Creating…" : "Create user"}
        </button>
        {result.created && <span className="ok">Created {result.created}.</span>}
        {result.error && !result.fieldErrors && <span className="error">{result.error}</span>}
      </div>
    </form>
  );
}

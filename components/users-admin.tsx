"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createUserAction, resetPasswordAction, setUserDisabledAction, setUserRoleAction } from "@/app/actions/users";
import { DataTable } from "@/components/data-table";
import { dateTime } from "@/lib/ui/format";
import { ROLES } from "@/lib/auth/roles";

export type UserRow = {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
};

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

/** Disable / enable, and a password reset that asks for the new password in place. */
function UserActions({ user, self }: { user: UserRow; self: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [resetting, setResetting] = useState(false);
  // A reset changes nothing the table shows: no refresh, so its confirmation stays on screen.
  const run = (
    action: () => Promise<{ ok: true } | { ok: false; error: string; fieldErrors?: Record<string, string> }>,
    done: string,
    refresh: boolean,
  ) =>
    start(async () => {
      const res = await action();
      setMessage(
        res.ok
          ? { ok: true, text: done }
          : { ok: false, text: res.fieldErrors?.password ? `Password ${res.fieldErrors.password}` : res.error },
      );
      if (res.ok) setResetting(false);
      if (refresh) router.refresh();
    });
  return (
    <span className="row-actions">
      {!self && (
        <button
          type="button"
          aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.email}`}
          disabled={pending}
          onClick={() =>
            run(
              () => setUserDisabledAction(user.id, !user.disabled),
              user.disabled ? "Enabled." : "Disabled; their sessions have ended.",
              true,
            )
          }
        >
          {user.disabled ? "Enable" : "Disable"}
        </button>
      )}
      {resetting ? (
        <form
          aria-label={`New password for ${user.email}`}
          onSubmit={(e) => {
            e.preventDefault();
            const password = String(new FormData(e.currentTarget).get("password"));
            run(() => resetPasswordAction(user.id, password), "Password reset; their sessions have ended.", false);
          }}
        >
          <input
            name="password"
            type="password"
            aria-label={`New password of ${user.email}`}
            autoComplete="new-password"
            required
            minLength={8}
          />
          <button type="submit" className="primary" disabled={pending}>
            Set password
          </button>
        </form>
      ) : (
        <button
          type="button"
          aria-label={`Reset password of ${user.email}`}
          disabled={pending}
          onClick={() => setResetting(true)}
        >
          Reset password
        </button>
      )}
      {message && <span className={message.ok ? "ok small" : "error small"}> {message.text}</span>}
    </span>
  );
}

export function UsersTable({ users, selfId }: { users: UserRow[]; selfId: string }) {
  const columns: ColumnDef<UserRow, unknown>[] = [
    { accessorKey: "name", header: "Name" },
    { accessorKey: "email", header: "Email" },
    {
      accessorKey: "role",
      header: "Role",
      cell: ({ row }) => <RoleSelect user={row.original} self={row.original.id === selfId} />,
    },
    {
      accessorKey: "lastLoginAt",
      header: "Last sign-in",
      cell: ({ row }) => (row.original.lastLoginAt ? dateTime(row.original.lastLoginAt) : "never"),
    },
    { accessorKey: "disabled", header: "Status", cell: ({ row }) => (row.original.disabled ? "disabled" : "active") },
    {
      id: "actions",
      header: "",
      cell: ({ row }) => <UserActions user={row.original} self={row.original.id === selfId} />,
    },
  ];
  return (
    <DataTable
      label="Users"
      data={users}
      columns={columns}
      filterPlaceholder="Filter users…"
      empty={<p>No users.</p>}
    />
  );
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
          <input
            name={field}
            type={field === "password" ? "password" : field === "email" ? "email" : "text"}
            required
            aria-invalid={!!result.fieldErrors?.[field]}
          />
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

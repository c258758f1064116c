import { CreateUserForm, UsersTable } from "@/components/users-admin";
import { requirePageUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requirePageUser("admin");
  const users = await db.user.findMany({
    orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
  });
  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
        <p className="muted">
          Viewers see everything and change nothing; editors run experiments and jobs; admins also manage users and API
          keys.
        </p>
      </div>
      <section className="card">
        <UsersTable
          selfId={me.id}
          users={users.map((u) => ({
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            disabled: u.disabledAt !== null,
            lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
            createdAt: u.createdAt.toISOString(),
          }))}
        />
      </section>
      <section className="card">
        <h2>Add a user</h2>
        <CreateUserForm />
      </section>
    </>
  );
}

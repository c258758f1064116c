import { AppNav } from "@/components/app-nav";
import { requirePageUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requirePageUser("viewer");
  return (
    <>
      <AppNav user={user} />
      <main className="content">{children}</main>
    </>
  );
}

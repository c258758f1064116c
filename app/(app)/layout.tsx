import { AppNav } from "@/components/app-nav";
import { requirePageUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requirePageUser("viewer");
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppNav user={user} />
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

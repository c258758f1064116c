import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { safeReturnPath } from "@/lib/auth/return-path";
import { currentUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[] }>;
}) {
  const { callbackUrl } = await searchParams;
  const returnTo = safeReturnPath(typeof callbackUrl === "string" ? callbackUrl : null);
  if (await currentUser()) redirect(returnTo);
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1 className="brand">FusionLab</h1>
        <p className="muted">Train, serve and measure multi-task fusion policies.</p>
        <SignInForm returnTo={returnTo} />
      </div>
    </main>
  );
}

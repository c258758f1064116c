import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { currentUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentUser()) redirect("/dashboard");
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1 className="brand">FusionLab</h1>
        <p className="muted">Train, serve and measure multi-task fusion policies.</p>
        <SignInForm />
      </div>
    </main>
  );
}

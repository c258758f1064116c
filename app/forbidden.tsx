import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1>403 · Not allowed</h1>
        <p className="muted">Your role does not give access to this page. Ask an administrator if you need it.</p>
        <Link href="/dashboard">Back to the dashboard</Link>
      </div>
    </main>
  );
}

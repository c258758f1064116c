import Link from "next/link";

export default function NotFound() {
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1>404 · Not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link href="/dashboard">Back to the dashboard</Link>
      </div>
    </main>
  );
}

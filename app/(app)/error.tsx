"use client";

import Link from "next/link";

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card error-card" role="alert">
      <h1>Something went wrong</h1>
      <p className="muted">
        This page could not be shown.{" "}
        {error.digest ? (
          <>
            The server logged it as <code>{error.digest}</code>.
          </>
        ) : (
          error.message
        )}
      </p>
      <div className="row">
        <button type="button" className="primary" onClick={() => reset()}>
          Try again
        </button>
        <Link href="/dashboard">Back to the dashboard</Link>
      </div>
    </section>
  );
}

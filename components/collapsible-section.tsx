"use client";

import { useNarrowScreen } from "@/components/use-narrow-screen";

/** A page section (a card with its heading) that starts folded on phone-width screens. */
export function CollapsibleSection({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  const narrow = useNarrowScreen();
  return (
    <section className="card" aria-labelledby={id}>
      <details className="report-section" open={!narrow}>
        <summary>
          <h2 id={id}>{title}</h2>
        </summary>
        {children}
      </details>
    </section>
  );
}

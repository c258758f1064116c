import { CreateScenarioForm, ScenariosTable } from "@/components/scenarios";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listScenarios } from "@/lib/scenarios/scenario-service";
import { defaultScenario } from "@/lib/simulator";

export const metadata = { title: "Scenarios" };

export default async function ScenariosPage() {
  const user = await requirePageUser();
  const scenarios = await listScenarios();
  return (
    <>
      <div className="page-head">
        <h1>Scenarios</h1>
        <p className="muted">
          Configurations of the built-in session simulator: the stand-in for production traffic when generating datasets
          and simulating experiment traffic.
        </p>
      </div>
      <section className="card">
        <ScenariosTable
          scenarios={scenarios.map((s) => {
            const world = (s.config as { world?: { users?: number; items?: number } }).world;
            return {
              id: s.id,
              key: s.key,
              name: s.name,
              description: s.description,
              datasets: s._count.datasets,
              users: world?.users ?? null,
              items: world?.items ?? null,
              createdAt: s.createdAt.toISOString(),
            };
          })}
        />
      </section>
      {roleAtLeast(user.role, "editor") && (
        <section className="card">
          <h2>Create a scenario</h2>
          <CreateScenarioForm defaultsJson={JSON.stringify(defaultScenario(), null, 2)} />
        </section>
      )}
    </>
  );
}

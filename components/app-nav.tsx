import Link from "next/link";
import { SignOutButton } from "@/components/sign-out-button";
import type { SessionUser } from "@/lib/auth/session";

const LINKS: { href: string; label: string; admin?: boolean }[] = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/experiments", label: "Experiments" },
  { href: "/metrics", label: "Metrics" },
  { href: "/layers", label: "Traffic" },
  { href: "/policies", label: "Policies" },
  { href: "/scenarios", label: "Scenarios" },
  { href: "/datasets", label: "Datasets" },
  { href: "/jobs", label: "Jobs" },
  { href: "/admin/users", label: "Users", admin: true },
  { href: "/admin/api-keys", label: "API keys", admin: true },
];

export function AppNav({ user }: { user: SessionUser }) {
  return (
    <header className="topbar">
      <Link href="/dashboard" className="brand">
        FusionLab
      </Link>
      <nav aria-label="Main">
        {LINKS.filter((l) => !l.admin || user.role === "admin").map((l) => (
          <Link key={l.href} href={l.href}>
            {l.label}
          </Link>
        ))}
      </nav>
      <div className="who">
        <span title={user.email}>{user.name}</span>
        <span className={`badge role-${user.role}`}>{user.role}</span>
        <SignOutButton />
      </div>
    </header>
  );
}

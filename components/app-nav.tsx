"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { SignOutButton } from "@/components/sign-out-button";
import type { SessionUser } from "@/lib/auth/session";

const LINKS: { href: string; label: string; admin?: boolean }[] = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/experiments", label: "Experiments" },
  { href: "/metrics", label: "Metrics" },
  { href: "/layers", label: "Layers" },
  { href: "/policies", label: "Policies" },
  { href: "/scenarios", label: "Scenarios" },
  { href: "/datasets", label: "Datasets" },
  { href: "/jobs", label: "Jobs" },
  { href: "/admin/users", label: "Users", admin: true },
  { href: "/admin/api-keys", label: "API keys", admin: true },
];

/** The top bar. On phone-width screens the links fold behind a Menu button; it closes on navigation. */
export function AppNav({ user }: { user: SessionUser }) {
  const pathname = usePathname();
  const [openAt, setOpenAt] = useState<string | null>(null);
  const open = openAt === pathname;
  return (
    <header className={`topbar${open ? " menu-open" : ""}`}>
      <Link href="/dashboard" className="brand">
        FusionLab
      </Link>
      <button
        type="button"
        className="menu-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpenAt(open ? null : pathname)}
      >
        {open ? "Close menu" : "Menu"}
      </button>
      <nav id="main-nav" aria-label="Main">
        {LINKS.filter((l) => !l.admin || user.role === "admin").map((l) => (
          <Link
            key={l.href}
            href={l.href}
            aria-current={pathname === l.href || pathname.startsWith(`${l.href}/`) ? "page" : undefined}
          >
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

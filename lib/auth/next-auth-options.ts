import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { safeString } from "@/lib/validation";
import type { Role } from "@/lib/auth/roles";
import { CLIENT_IP_HEADER } from "@/lib/http/client-ip";
import { verifyCredentials } from "@/lib/users/verify-credentials";

const credentialsSchema = z.object({ email: safeString().min(1).max(320), password: safeString().min(1).max(200) });

/**
 * next-auth v4: email + password against the User table, JWT sessions (no session table to clean).
 * A token carries the user's session version at sign-in; lib/auth/session.ts compares it with the
 * database on every request, so disabling a user or resetting a password ends their sessions.
 */
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
  pages: { signIn: "/" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const ip = req.headers?.[CLIENT_IP_HEADER];
        const user = await verifyCredentials(
          parsed.data.email,
          parsed.data.password,
          typeof ip === "string" ? ip : "unknown",
        );
        return user
          ? { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion }
          : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        const signedIn = user as unknown as { role: Role; sessionVersion: number };
        token.uid = user.id;
        token.role = signedIn.role;
        token.sv = signedIn.sessionVersion;
      }
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        user: {
          ...session.user,
          id: token.uid as string,
          role: token.role as Role,
          sessionVersion: (token.sv as number | undefined) ?? 0,
        },
      };
    },
  },
};

/** `npm run db:migrate`: apply pending migrations to DATABASE_URL (what `npm start` does on its own). */
import { databaseUrl } from "@/lib/config/env";
import { migrate } from "@/lib/db/migrate";

const result = await migrate(databaseUrl());
console.log(JSON.stringify(result));

import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";

// The architecture as rules (docs/architecture.md §2; CONTRIBUTING.md explains each).
// Pure cores: deterministic domain logic that any process (web, worker, script, test) can run.
const PURE_CORES = ["assignment", "dataset-format", "evaluation", "fusion", "random", "rl", "simulator", "stats"].map(
  (d) => `lib/${d}/**`,
);

const PLATFORM_IMPORTS = [
  {
    group: ["@prisma/*", "@/lib/db", "@/lib/db/*", "**/lib/db", "**/lib/db/*", "../db", "../db/*"],
    message: "Pure cores never touch the database: take data as arguments (docs/architecture.md §2).",
  },
  {
    group: ["next", "next/*", "next-auth", "next-auth/*"],
    message: "Pure cores never depend on Next.js (docs/architecture.md §2).",
  },
  {
    group: ["@/lib/config", "@/lib/config/*", "**/lib/config", "**/lib/config/*", "../config", "../config/*"],
    message: "Pure cores take configuration as parameters; only lib/config/env.ts reads the environment.",
  },
];

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      ".data/**",
      "tmp/**",
      "next-env.d.ts",
      "bench/results/**",
      "test/e2e/screenshots/**",
    ],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.{ts,tsx,mts}"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".tsx", ".mts", ".js", ".mjs"],
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      // Dynamic import() counts too: a lazy import hides a cycle from the reader, not from the design.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // Product code reads configuration only through lib/config/env.ts; the launcher and scripts may
    // set variables for the processes they start.
    files: ["app/**", "components/**", "lib/**", "workers/**"],
    ignores: ["lib/config/env.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "Read configuration through lib/config/env.ts (loadEnv), the only module that reads the environment.",
        },
      ],
    },
  },
  {
    files: PURE_CORES,
    rules: {
      "no-restricted-imports": ["error", { patterns: PLATFORM_IMPORTS }],
    },
  },
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/db", "@/lib/db/*", "**/lib/db", "**/lib/db/*", "@prisma/client"],
              message: "Components render data they are given: query in a page or lib/ read model, not here.",
            },
          ],
        },
      ],
    },
  },
];

export default config;

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts"],
    // *.deno.test.ts run under Deno (deno test), not Vitest.
    exclude: ["**/node_modules/**", "**/*.deno.test.ts"],
    // --expose-gc lets tests prove that expired segments' bytes are really released.
    execArgv: ["--expose-gc"],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts"],
    // --expose-gc lets tests prove that expired segments' bytes are really released.
    execArgv: ["--expose-gc"],
  },
});

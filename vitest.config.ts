import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // End-to-end tests start the built CLI and local servers, so they need
    // more time than unit tests on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

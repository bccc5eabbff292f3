import { describe, expect, it } from "vitest";
import { loadResources } from "../../src/config/load-resources.js";
import { REPO_ROOT } from "../support/run-cli.js";

describe("mock resource files", () => {
  it.each([
    ["config/mock-openai.yaml", "openai", "http://127.0.0.1:8787/v1"],
    ["config/mock-anthropic.yaml", "anthropic", "http://127.0.0.1:8787"],
    ["config/mock-ollama.yaml", "ollama", "http://127.0.0.1:8787"],
  ])("%s binds fast and smart to the mock", async (file, provider, baseUrl) => {
    const config = await loadResources(`${REPO_ROOT}${file}`, {});
    expect([...config.aliases.keys()].sort()).toEqual(["fast", "smart"]);
    for (const endpoints of config.aliases.values()) {
      expect(endpoints).toHaveLength(1);
      expect(endpoints[0]?.provider).toBe(provider);
      expect(endpoints[0]?.baseUrl).toBe(baseUrl);
    }
  });

  it("reads the server address from PLAIT_MOCK_URL", async () => {
    const env = { PLAIT_MOCK_URL: "http://127.0.0.1:9999" };
    const config = await loadResources(`${REPO_ROOT}config/mock-openai.yaml`, env);
    expect(config.aliases.get("fast")?.[0]?.baseUrl).toBe("http://127.0.0.1:9999/v1");
  });
});

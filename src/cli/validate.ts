import type { Command } from "commander";
import { loadResources } from "../config/load-resources.js";
import { ConfigError, type ConfigIssue } from "../config/errors.js";
import { loadPipeline } from "../graph/load-pipeline.js";
import {
  describeUnusedNode,
  findUnusedNodes,
  formatSummary,
  summarizeGraph,
} from "../graph/summary.js";
import type { ResourceConfig } from "../resources/types.js";
import type { ExitCode } from "./main.js";

// The usage exit code of main.ts: bad usage or configuration, nothing spent.
// Not imported from there, because main.ts imports this file.
const EXIT_USAGE = 2;

export function registerValidateCommand(program: Command, exit: ExitCode): void {
  program
    .command("validate")
    .description(
      "Check a pipeline and a resource file: shapes, every template reference and " +
        "every alias. Calls nothing and spends nothing.",
    )
    .argument("<pipeline>", "pipeline YAML file")
    .requiredOption("--resources <file>", "resource YAML file that binds the aliases")
    .action(async (pipelineFile: string, options: { resources: string }) => {
      const issues: ConfigIssue[] = [];
      // Both files are checked even when the first fails, so one run shows
      // every problem.
      let resources: ResourceConfig | undefined;
      try {
        resources = await loadResources(options.resources);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        issues.push(...error.issues);
      }
      try {
        const graph = await loadPipeline(pipelineFile, resources ? { resources } : {});
        if (issues.length === 0) {
          process.stdout.write(`ok: ${graph.name}: ${formatSummary(summarizeGraph(graph))}\n`);
          for (const node of findUnusedNodes(graph)) {
            process.stderr.write(`warning: ${describeUnusedNode(node)}\n`);
          }
          return;
        }
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        issues.push(...error.issues);
      }
      process.stderr.write(new ConfigError(issues).message + "\n");
      exit.code = EXIT_USAGE;
    });
}

import { Option, type Command } from "commander";
import { loadResources } from "../config/load-resources.js";
import { drawGraph, GRAPH_FORMATS, type GraphFormat } from "../graph/draw.js";
import { loadPipeline } from "../graph/load-pipeline.js";
import type { ExitCode } from "./main.js";

export function registerGraphCommand(program: Command, _exit: ExitCode): void {
  program
    .command("graph")
    .description("Draw a pipeline's module graph on standard output.")
    .argument("<pipeline>", "pipeline YAML file")
    .addOption(
      new Option("--format <format>", "drawing format")
        .choices(GRAPH_FORMATS)
        .default("text" satisfies GraphFormat),
    )
    .option("--resources <file>", "resource YAML file; when given, aliases are checked too")
    .action(async (pipelineFile: string, options: { format: GraphFormat; resources?: string }) => {
      // Errors are ConfigErrors, which main.ts prints before exiting 2.
      const resources = options.resources ? await loadResources(options.resources) : undefined;
      const graph = await loadPipeline(pipelineFile, resources ? { resources } : {});
      process.stdout.write(drawGraph(graph, options.format));
    });
}

import { z } from "zod";
import {
  nonNegativeNumber,
  oneOf,
  positiveNumber,
  text,
  wholeNumber,
} from "../config/fields.js";

/*
 * Pipeline files as written, before references are resolved. Defaults are
 * applied when nodes are compiled.
 */

const template = (description: string) =>
  z.string({ error: `a template string (${description})` });

const bindings = z.record(z.string(), template("a value to pass"), {
  error: 'a mapping from each name to a template, like {text: "{{ summary }}"}',
});

const foreach = template("the list to walk, like {{ summary.items }}").optional();

export const llmNodeSchema = z.strictObject({
  llm: text("an alias from the resource file"),
  prompt: template("the prompt"),
  system: template("the system prompt").optional(),
  temperature: nonNegativeNumber().optional(),
  max_tokens: wholeNumber(1).optional(),
  stop: z
    .union([z.string(), z.array(z.string())], { error: "a string or a list of strings" })
    .optional(),
  /** Default text. */
  output: oneOf(["text", "json"]).optional(),
  schema: z.record(z.string(), z.unknown(), { error: "a JSON Schema mapping" }).optional(),
  /** Attempts at a reply that parses and meets the schema. Default 3. */
  max_attempts: wholeNumber(1).optional(),
  /** Higher runs first among ready calls of the same alias. Default 0. */
  priority: z.number({ error: "a whole number" }).int({ error: "a whole number" }).optional(),
  /** Seconds; overrides the endpoint's timeout. */
  timeout: positiveNumber().optional(),
  foreach,
});

export const templateNodeSchema = z.strictObject({
  template: template("the text to build"),
  foreach,
});

export const pipelineNodeSchema = z.strictObject({
  pipeline: text("the path of a pipeline file, relative to this one"),
  with: bindings.optional(),
  foreach,
});

export const functionNodeSchema = z.strictObject({
  function: text("a module path and export name, like ./lib/score.mjs#score"),
  with: bindings.optional(),
  /** Seconds a call may take. Default 300. */
  timeout: positiveNumber().optional(),
  foreach,
});

export const NODE_SCHEMAS = {
  llm: llmNodeSchema,
  template: templateNodeSchema,
  pipeline: pipelineNodeSchema,
  function: functionNodeSchema,
} as const;

export type NodeKindKey = keyof typeof NODE_SCHEMAS;
export const NODE_KINDS = Object.keys(NODE_SCHEMAS) as NodeKindKey[];

export type RawLlmNode = z.infer<typeof llmNodeSchema>;
export type RawTemplateNode = z.infer<typeof templateNodeSchema>;
export type RawPipelineNode = z.infer<typeof pipelineNodeSchema>;
export type RawFunctionNode = z.infer<typeof functionNodeSchema>;

export const pipelineFileSchema = z.strictObject({
  /** Default: the file name without its extension. */
  name: text("the pipeline's name").optional(),
  description: z.string({ error: "a string" }).optional(),
  /** Fields every record must carry. Default: none. */
  input: z.array(text("a field name"), { error: "a list of field names" }).optional(),
  nodes: z.record(z.string(), z.unknown(), {
    error: "a mapping from each node name to its definition",
  }),
  outputs: z.record(z.string(), template("the output value"), {
    error: 'a mapping from each output name to a template, like {label: "{{ category }}"}',
  }),
});

export const PIPELINE_FILE_KEYS = Object.keys(pipelineFileSchema.shape);

/**
 * The same fields with every invalid one dropped, so that the rest of a
 * file can still be checked after a shape error.
 */
export const lenientPipelineFileSchema = z.object({
  name: pipelineFileSchema.shape.name.catch(undefined),
  input: pipelineFileSchema.shape.input.catch(undefined),
  nodes: pipelineFileSchema.shape.nodes.optional().catch(undefined),
  outputs: pipelineFileSchema.shape.outputs.optional().catch(undefined),
});

export type RawPipelineFile = z.infer<typeof lenientPipelineFileSchema>;

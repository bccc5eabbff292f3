#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

// Awaited at the top level, so that a run whose work can never finish makes
// Node exit with code 13 (unsettled top-level await) instead of 0.
process.exitCode = await main(process.argv);

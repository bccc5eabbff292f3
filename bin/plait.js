#!/usr/bin/env -S node --max-semi-space-size=4
// The flag above caps V8's young generation at 4 MB per semi-space (the
// default is 16 MB on 64-bit machines). plait makes many short-lived objects
// per record, so with the default the heap grows tens of megabytes more, and
// a long run is no faster. bench/b2-memory-flat.mjs measures it.
import { main } from "../dist/cli/main.js";

// Awaited at the top level, so that a run whose work can never finish makes
// Node exit with code 13 (unsettled top-level await) instead of 0.
process.exitCode = await main(process.argv);

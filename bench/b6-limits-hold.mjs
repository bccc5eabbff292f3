// B6: limits hold, counted at the server. Reruns the B3 workload
// (max_concurrent 64, no cap on the server) and the B5 workload
// (rate_limit 100 with the default burst of one second's worth, a server
// that admits 20/s) and reads the server's peak concurrency and its peak
// requests in any 1 s window, rejected ones included.
import { Figures } from "./lib/figures.mjs";
import { requireBuild } from "./lib/run-plait.mjs";
import { B3, runSaturation } from "./b3-saturation.mjs";
import { B5, runStorm } from "./b5-429-storm.mjs";

/** rate_limit_burst is left at its default: one second's worth of the rate. */
const BURST_SHARE = 1;

export async function main() {
  requireBuild();
  const figures = new Figures("b6-limits-hold");
  const saturation = await runSaturation();
  figures.atMost(
    "b6.peak_concurrency_share",
    saturation.stats.peakConcurrency / B3.maxConcurrent,
    1.0,
  );
  const storm = await runStorm();
  figures.atMost(
    "b6.peak_rate_share",
    storm.stats.peakRequestsPerSecond / B5.configuredRateLimit,
    1.0 + BURST_SHARE,
  );
  figures.note(
    `B3 server peak concurrency ${saturation.stats.peakConcurrency} of ${B3.maxConcurrent}; ` +
      `B5 server peak ${storm.stats.peakRequestsPerSecond} requests in 1 s ` +
      `against rate_limit ${B5.configuredRateLimit} (burst ${B5.configuredRateLimit})`,
  );
  figures.raw = {
    saturation: { stats: saturation.stats, makespanMs: saturation.makespanMs },
    storm: { stats: storm.stats, makespanMs: storm.makespanMs },
  };
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RESULTS_DIR } from "./paths.mjs";

/**
 * Collects one benchmark's figures, prints each as `name: value (target)`
 * followed by met or MISSED, and writes the raw numbers to
 * bench/results/NAME.json when finished.
 */
export class Figures {
  constructor(name) {
    this.name = name;
    this.figures = [];
    this.raw = {};
    this.startedAt = new Date().toISOString();
  }

  /** Records a figure that must be at least `target`. */
  atLeast(name, value, target, digits = 2) {
    return this.add(name, value, `>= ${format(target, digits)}`, value >= target, digits);
  }

  /** Records a figure that must be at most `target`. */
  atMost(name, value, target, digits = 2) {
    return this.add(name, value, `<= ${format(target, digits)}`, value <= target, digits);
  }

  /** Records a yes/no figure, such as "results equal". */
  holds(name, isTrue, what) {
    return this.add(name, isTrue ? "yes" : "no", what, isTrue, 0);
  }

  add(name, value, target, isMet, digits) {
    const figure = { name, value, target, isMet };
    this.figures.push(figure);
    const shown = typeof value === "number" ? format(value, digits) : String(value);
    console.log(`${name}: ${shown} (${target}) ${isMet ? "met" : "MISSED"}`);
    return isMet;
  }

  /** Prints a line of context that is not a figure. */
  note(text) {
    console.log(`  # ${text}`);
  }

  /** Writes bench/results/NAME.json, prints the tally and sets the exit code. */
  finish() {
    const met = this.figures.filter((figure) => figure.isMet).length;
    const missed = this.figures.length - met;
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${this.name}.json`);
    const body = {
      name: this.name,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.availableParallelism(),
      figures: this.figures,
      met,
      missed,
      raw: this.raw,
    };
    writeFileSync(file, JSON.stringify(body, null, 2) + "\n");
    console.log(`bench: ${met} met, ${missed} missed`);
    process.exitCode = missed > 0 ? 1 : 0;
    return { met, missed };
  }
}

export function format(value, digits = 2) {
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return String(value);
  const isWhole = Number.isInteger(value) || Math.abs(value) >= 1000;
  return value.toLocaleString("en-US", {
    maximumFractionDigits: isWhole ? 0 : digits,
    minimumFractionDigits: 0,
  });
}

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

/** One measured figure and, where there is one, its baseline from the same run. */
export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  /** value / baseline (throughputs) — printed beside the figure. */
  ratio?: number;
  extra?: Record<string, unknown>;
}

/** Collects figures, prints each as it comes, and writes `bench/results/<timestamp>.json`. */
export class BenchReport {
  readonly figures: Figure[] = [];

  add(f: Figure): void {
    this.figures.push(f);
    const ratio = f.ratio !== undefined ? `   ratio ${f.ratio.toFixed(2)}x (baseline ${fmt(f.baseline!)} ${f.unit})` : "";
    console.log(`  ${f.name.padEnd(58)} ${fmt(f.value).padStart(10)} ${f.unit}${ratio}`);
  }

  section(title: string): void {
    console.log(`\n${title}`);
  }

  /** Writes the JSON report with the machine's description; returns its path. */
  write(): string {
    const dir = join("bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify({
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
      figures: this.figures,
    }, null, 2));
    return file;
  }
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

import { readFile } from 'node:fs/promises';
import type { ResourcePoint, ResourceSeries } from './resources';

/** Linux's USER_HZ: /proc reports CPU time in these ticks on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** Options of {@link ProcessSampler}. */
export interface ProcessSamplerOptions {
  readonly pid: number;
  /** Name shown in the report, e.g. `example bot`. */
  readonly name: string;
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly read?: (file: string) => Promise<string>;
}

/**
 * Samples one process's CPU (percent of one core) and resident memory (MB) from /proc while it runs:
 * locally, the example bot's own resources over the load window. Call {@link sample} yourself, or
 * {@link start} and {@link stop} to sample on a timer. A process that is gone stops the series quietly.
 */
export class ProcessSampler {
  readonly #cpu: ResourcePoint[] = [];
  readonly #memory: ResourcePoint[] = [];
  #last: { t: number; ticks: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #now: () => number;
  readonly #read: (file: string) => Promise<string>;

  constructor(private readonly options: ProcessSamplerOptions) {
    this.#now = options.now ?? Date.now;
    this.#read = options.read ?? ((file) => readFile(file, 'utf8'));
  }

  /** Takes one sample; returns false when the process could not be read. */
  async sample(): Promise<boolean> {
    let stat: string;
    let status: string;
    try {
      [stat, status] = await Promise.all([this.#read(`/proc/${this.options.pid}/stat`), this.#read(`/proc/${this.options.pid}/status`)]);
    } catch {
      return false;
    }
    const t = this.#now();
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
    if (Number.isFinite(rssKb)) this.#memory.push({ t, v: rssKb / 1024 });
    if (this.#last && t > this.#last.t && Number.isFinite(ticks)) {
      const cpuSeconds = (ticks - this.#last.ticks) / TICKS_PER_SECOND;
      this.#cpu.push({ t, v: (100 * cpuSeconds) / ((t - this.#last.t) / 1000) });
    }
    if (Number.isFinite(ticks)) this.#last = { t, ticks };
    return true;
  }

  /** Samples every `intervalMs` (default 1 s) until {@link stop}. */
  start(): void {
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The series so far: CPU percent and resident memory. */
  series(): ResourceSeries[] {
    return [
      { label: `${this.options.name} process CPU`, unit: 'Percent', points: [...this.#cpu] },
      { label: `${this.options.name} process memory (RSS)`, unit: 'Megabytes', points: [...this.#memory] },
    ];
  }
}

/**
 * Training progress: a live line on a terminal, a plain line every so often
 * otherwise (CI logs), or JSON lines with --json.
 */
import chalk from 'chalk';
import { formatSeconds } from '../util/index.js';
import type { Progress } from '../trainer/index.js';

interface ProgressSink {
  update(p: Progress): void;
  finish(): void;
}

export type OutputMode = 'tty' | 'plain' | 'json' | 'quiet';

/**
 * "adam  120/3500  weighted loss 1.06e-1  equations 1.35e+1  causal_min_weight 3.1e-3  41.2 it/s  ETA 1m20s":
 * the total is the weighted objective, the parts are unweighted, then the strategy's own values;
 * no ETA until the rate is measured past the warm-up.
 */
function line(p: Progress): string {
  const parts = Object.entries(p.parts)
    .map(([k, v]) => `${k} ${v.toExponential(2)}`)
    .join('  ');
  const values = Object.entries(p.values)
    .map(([k, v]) => `  ${k} ${Number.isInteger(v) ? String(v) : v.toPrecision(3)}`)
    .join('');
  const width = String(p.totalIterations).length;
  const eta = p.etaSettled ? `  ETA ${formatSeconds(p.etaSeconds)}` : '';
  return `${p.optimizer.padEnd(5)} ${String(p.iteration).padStart(width)}/${p.totalIterations}  weighted loss ${p.loss.toExponential(3)}  ${parts}${values}  ${p.iterationsPerSecond.toFixed(1)} it/s${eta}`;
}

export function progressSink(mode: OutputMode, stream: NodeJS.WriteStream): ProgressSink {
  switch (mode) {
    case 'quiet':
      return { update: () => {}, finish: () => {} };
    case 'json': {
      // One line per stage change and per 200 ms at most, and always the last iteration.
      let last = 0;
      let stage = -1;
      return {
        update: (p) => {
          const now = Date.now();
          if (p.stage === stage && now - last < 200 && p.iteration < p.totalIterations) return;
          last = now;
          stage = p.stage;
          process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
        },
        finish: () => {},
      };
    }
    case 'tty': {
      let last = 0;
      let shown = false;
      return {
        update: (p) => {
          const now = Date.now();
          if (now - last < 100 && p.iteration < p.totalIterations) return;
          last = now;
          shown = true;
          stream.write(`\r\x1b[2K${chalk.cyan(line(p))}`);
        },
        finish: () => {
          if (shown) stream.write('\n');
        },
      };
    }
    case 'plain': {
      let last = 0;
      return {
        update: (p) => {
          const now = Date.now();
          if (now - last < 5000 && p.iteration < p.totalIterations) return;
          last = now;
          stream.write(`${line(p)}\n`);
        },
        finish: () => {},
      };
    }
  }
}

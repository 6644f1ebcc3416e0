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

function line(p: Progress): string {
  const parts = Object.entries(p.parts)
    .map(([k, v]) => `${k} ${v.toExponential(2)}`)
    .join('  ');
  const width = String(p.totalIterations).length;
  return `${p.optimizer.padEnd(5)} ${String(p.iteration).padStart(width)}/${p.totalIterations}  loss ${p.loss.toExponential(3)}  ${parts}  ${p.iterationsPerSecond.toFixed(1)} it/s  ETA ${formatSeconds(p.etaSeconds)}`;
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

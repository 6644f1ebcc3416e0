/**
 * Sweep progress: a live table redrawn in place on a terminal, one plain
 * line per start and finish otherwise (CI logs).
 */
import chalk from 'chalk';
import { showValue } from './file.js';
import { maxViolation, readCase } from './results.js';
import type { CaseEvent, CaseState } from './run.js';
import { formatSeconds } from '../util/index.js';
import { join } from 'node:path';

interface StatusView {
  event(e: CaseEvent): void;
  finish(): void;
}

const params = (e: CaseEvent) =>
  Object.entries(e.case.params)
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(' ') || '(no swept values)';

function outcome(e: CaseEvent, outDir: string): string {
  const r = e.record;
  if (!r) return '';
  if (r.status === 'failed')
    return r.signal ? `signal ${r.signal}: ${r.error ?? ''}` : `exit ${r.exit_code}: ${r.error ?? ''}`;
  const { summary } = readCase(join(outDir, e.case.id));
  const errs = Object.entries(summary?.errors ?? {}).map(([f, v]) => `${f} L2 ${v.l2_relative?.toExponential(2)}`);
  const mv = maxViolation(summary);
  return [...errs, ...(mv !== undefined ? [`max violation ${mv.toExponential(2)}`] : [])].join(', ');
}

export function plainStatus(stream: NodeJS.WritableStream, outDir: string): StatusView {
  return {
    event(e) {
      const tag = `[${e.n}/${e.of}] ${e.case.id}`;
      switch (e.state) {
        case 'queued':
          return;
        case 'running':
          stream.write(`${tag} started ${params(e)}\n`);
          return;
        case 'reused':
          stream.write(`${tag} reused (finished earlier, spec unchanged) ${params(e)}\n`);
          return;
        case 'ok':
          stream.write(`${tag} ok in ${formatSeconds(e.record?.seconds ?? 0)}: ${outcome(e, outDir)}\n`);
          return;
        case 'failed':
          stream.write(`${tag} FAILED after ${formatSeconds(e.record?.seconds ?? 0)}: ${outcome(e, outDir)}\n`);
          return;
      }
    },
    finish() {},
  };
}

const COLORS: Record<CaseState, (s: string) => string> = {
  queued: chalk.gray,
  running: chalk.cyan,
  ok: chalk.green,
  reused: chalk.green,
  failed: chalk.red,
};

export function ttyStatus(stream: NodeJS.WriteStream, outDir: string, name: string): StatusView {
  const rows = new Map<string, { e: CaseEvent; started: number; line: string }>();
  const t0 = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const width = Math.max(40, (stream.columns ?? 100) - 1);
    const height = Math.max(6, (stream.rows ?? 30) - 4);
    const all = [...rows.values()];
    const n = (s: CaseState) => all.filter((r) => r.e.state === s).length;
    const head = `sweep ${name}: ${n('running')} running, ${n('ok') + n('reused')} ok, ${n('failed')} failed, ${n('queued')} queued  ${formatSeconds((Date.now() - t0) / 1000)}`;
    // Running and failed cases first when not everything fits.
    const order =
      all.length <= height - 1
        ? all
        : [
            ...all.filter((r) => r.e.state === 'running' || r.e.state === 'failed'),
            ...all.filter((r) => r.e.state !== 'running' && r.e.state !== 'failed'),
          ].slice(0, height - 1);
    const lines = [
      chalk.bold(head),
      ...order.map((r) => {
        const st = r.e.state === 'running' ? `running ${formatSeconds((Date.now() - r.started) / 1000)}` : r.e.state;
        const text = `${r.e.case.id}  ${st.padEnd(12)} ${params(r.e)}  ${r.line}`;
        return COLORS[r.e.state](text.length > width ? `${text.slice(0, width - 3)}...` : text);
      }),
    ];
    stream.write(`${drawn ? `\x1b[${drawn}A` : ''}\r\x1b[J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    event(e) {
      const prev = rows.get(e.case.id);
      rows.set(e.case.id, {
        e,
        started: e.state === 'running' ? Date.now() : (prev?.started ?? Date.now()),
        line: e.state === 'ok' || e.state === 'failed' || e.state === 'reused' ? outcome(e, outDir) : '',
      });
      if (!timer) {
        timer = setInterval(draw, 500);
        timer.unref();
      }
      draw();
    },
    finish() {
      if (timer) clearInterval(timer);
      if (rows.size) draw();
    },
  };
}

/** `pinn verify RUN [--tolerance T] [--budget SECONDS]`: certified constraint bounds, verify.json and a table. */
import { join } from 'node:path';
import type { Command } from 'commander';
import chalk from 'chalk';
import { DEFAULT_BUDGET, DEFAULT_TOLERANCE, verifyRun, type VerifyReport } from '../run/index.js';
import { nonNegativeNumber, sharedOption } from './options.js';

export function registerVerify(program: Command, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('certify bounds on constraint violations of a trained run (interval branch and bound)')
    .argument('<run>', 'run folder written by `pinn solve`')
    .option(
      '--tolerance <t>',
      `largest violation accepted (default ${DEFAULT_TOLERANCE})`,
      nonNegativeNumber('--tolerance'),
    )
    .option(
      '--budget <seconds>',
      `wall-clock budget for all constraints (default ${DEFAULT_BUDGET})`,
      nonNegativeNumber('--budget'),
    )
    .option('--exact-arithmetic', 'bound the real-arithmetic model only, without the float32 evaluation margin')
    .addOption(sharedOption('json', 'print verify.json to stdout instead of the table'))
    .action((run: string, o: { tolerance?: number; budget?: number; exactArithmetic?: boolean; json?: boolean }) => {
      const report = verifyRun(run, { tolerance: o.tolerance, budget: o.budget, f32: !o.exactArithmetic });
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(formatTable(report));
      setExit(report.exit_code);
    });
}

const fmt = (x: number | null): string => (x === null ? 'unbounded' : x === 0 ? '0' : x.toExponential(2));

function formatTable(r: VerifyReport): string {
  const color = (s: string): string => {
    switch (s) {
      case 'certified':
        return chalk.green(s);
      case 'violated':
        return chalk.red(s);
      case 'inconclusive':
        return chalk.yellow(s);
      default:
        return s;
    }
  };
  const rows = r.constraints.map((c) => [
    c.kind,
    c.name,
    c.status,
    fmt(c.bound),
    c.evaluated_max === null ? '—' : fmt(c.evaluated_max),
    String(c.boxes_evaluated),
    c.seconds.toFixed(1),
  ]);
  const head = ['kind', 'constraint', 'status', 'bound', 'seen', 'boxes', 's'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k]!.length)));
  const line = (cells: string[], paint = false) =>
    cells
      .map((cell, k) => {
        const pad = cell.padEnd(widths[k]!);
        return paint && k === 2 ? color(cell) + pad.slice(cell.length) : pad;
      })
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map((row) => line(row, true))];
  for (const c of r.constraints) {
    if (c.counterexample) {
      const p = Object.entries(c.counterexample.point)
        .map(([k, v]) => `${k}=${v.toPrecision(6)}`)
        .join(', ');
      out.push(
        `  counterexample for ${c.name}: at ${p} the residual is ${c.counterexample.value.toExponential(3)} (violation >= ${c.counterexample.violation.toExponential(3)}${c.counterexample.arithmetic === 'exact' && r.arithmetic.startsWith('float32') ? ' in exact arithmetic on the stored weights; the float32 error bound there is wider than the excess' : ''})`,
      );
    }
    if (c.note && c.status !== 'certified') out.push(`  ${c.name}: ${c.note}`);
  }
  for (const d of r.data)
    out.push(
      `  ${d.name}: misfit rms ${fmt(d.rms)}, max ${fmt(d.max)} at its ${d.points} observation points (reported, not certified)`,
    );
  const verdict =
    r.exit_code === 0
      ? chalk.green('all constraints certified')
      : r.exit_code === 1
        ? chalk.red('a violation was found')
        : chalk.yellow('inconclusive');
  out.push(
    `${verdict} at tolerance ${r.tolerance} (${r.seconds.toFixed(1)} s); bound: certified upper bound, seen: worst violation evaluated at concrete points in float64 (—: no point evaluated); written ${join(r.run, 'verify.json')}`,
  );
  return `${out.join('\n')}\n`;
}

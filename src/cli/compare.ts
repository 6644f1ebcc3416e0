/** `pinn compare SPEC --strategies a,b,c`: flags and printing around run/compare.ts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { selectBackend } from '../backend/index.js';
import { compareStrategies, planRun } from '../run/index.js';
import { STRATEGIES, type StrategyName } from '../spec/index.js';
import { sharedOption, withTolerance } from './options.js';
import { progressSink, type OutputMode } from './progress.js';

function parseStrategies(v: string): StrategyName[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError('expected a comma-separated list of strategies');
  for (const s of list) {
    if (!STRATEGIES.includes(s as StrategyName))
      throw new InvalidArgumentError(`unknown strategy '${s}'; expected ${STRATEGIES.join(', ')}`);
  }
  return [...new Set(list)] as StrategyName[];
}

export function parseSeeds(v: string): number[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError('expected a comma-separated list of seeds, e.g. 0,1,2');
  const seeds = list.map((s) => Number(s));
  if (seeds.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff))
    throw new InvalidArgumentError(`seeds must be whole numbers 0..4294967295, got '${v}'`);
  return [...new Set(seeds)];
}

export function registerCompare(program: Command, setExit: (code: number) => void): void {
  const command = program.command('compare');
  command
    .description('solve one problem under several constraint strategies and compare them side by side')
    .argument('<spec>', 'problem spec (YAML)')
    .requiredOption('--strategies <list>', `comma-separated strategies (${STRATEGIES.join(', ')})`, parseStrategies)
    .option('--out <dir>', 'comparison folder, one subfolder per strategy (default runs/<name>-compare)')
    .addOption(sharedOption('iterations', "cap on each run's total iterations"))
    .addOption(sharedOption('seed', 'random seed for every run, overrides training.seed'))
    .option('--seeds <list>', 'run every strategy once per seed (comma-separated) and summarise over them', parseSeeds)
    .addOption(sharedOption('backend'))
    .addOption(sharedOption('set'))
    .addOption(sharedOption('quiet', 'print only the table'))
    .addOption(sharedOption('failAbove'))
    .action(
      async (
        specFile: string,
        o: {
          strategies: StrategyName[];
          out?: string;
          iterations?: number;
          seed?: number;
          seeds?: number[];
          backend?: string;
          set: string[];
          quiet?: boolean;
          failAbove?: number;
        },
      ) => {
        if (o.seed !== undefined && o.seeds !== undefined)
          command.error('error: give --seed or --seeds, not both', { exitCode: 2 });
        // The spec first: its errors are reported before any backend is probed.
        planRun({ specFile, sets: o.set, strategy: o.strategies[0], iterations: o.iterations, seed: o.seed });
        const backend = await selectBackend(o.backend);
        const mode: OutputMode = o.quiet ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain';
        const { rows, outDir } = compareStrategies({
          specFile,
          strategies: o.strategies,
          outDir: o.out,
          iterations: o.iterations,
          seed: o.seed,
          seeds: o.seeds,
          sets: withTolerance(o.set, o.failAbove),
          backend: { name: backend.name, detail: backend.detail },
          progress: () => progressSink(mode, process.stderr),
          log: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(readFileSync(join(outDir, 'compare.md'), 'utf8'));
        process.stdout.write(`outputs in ${outDir}/\n`);
        const missed = rows.filter((r) => r.summary?.tolerance?.missed.length);
        for (const r of missed)
          process.stderr.write(
            `tolerance missed (${r.summary!.tolerance!.value}) by ${r.strategy}${r.seed !== undefined ? ` seed ${r.seed}` : ''}: ${r.summary!.tolerance!.missed.join('; ')}\n`,
          );
        setExit(rows.every((r) => r.summary) && missed.length === 0 ? 0 : 1);
      },
    );
}

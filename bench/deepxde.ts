/**
 * The bench's DeepXDE row: ms per Adam iteration of DeepXDE (PyTorch) on poisson-2d's step shapes
 * (3 x 50 tanh, 2000 + 400 points, two threads), measured by the peers kit's a_poisson2d_dde.py
 * within the same bench run, so pinn's rows can be read as ratios to it. Optional: skipped, with
 * the reason, where ../shared/peers (or PEERS_DIR) is not set up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DeepxdeRow {
  problem: 'poisson-2d';
  ms_per_iteration: number;
  iterations: number;
  torch: string;
  python: string;
}

/** The peers kit and the Python that has DeepXDE's PyTorch: PYTHON, else the kit's torch 2 venv, else the kit's default. */
function peersSetup(): { dir: string; python?: string } | string {
  const dir = resolve(process.env['PEERS_DIR'] ?? join('..', 'shared', 'peers'));
  if (!existsSync(join(dir, 'run.sh')) || !existsSync(join(dir, 'a_poisson2d_dde.py')))
    return `no peers kit at ${dir} (PEERS_DIR)`;
  const venv = '/tmp/venv-torch2/bin/python';
  return { dir, python: process.env['PYTHON'] ?? (existsSync(venv) ? venv : undefined) };
}

/** DeepXDE's median ms per Adam iteration over `iterations`, or why there is no row. */
export function deepxdeRow(iterations: number): DeepxdeRow | string {
  const setup = peersSetup();
  if (typeof setup === 'string') return setup;
  const results = mkdtempSync(join(tmpdir(), 'pinn-bench-dde-'));
  try {
    const r = spawnSync(
      join(setup.dir, 'run.sh'),
      [
        'a_poisson2d_dde.py',
        '--adam-iters',
        String(iterations),
        '--checkpoints',
        String(iterations),
        '--lbfgs-iters',
        '0',
      ],
      {
        env: { ...process.env, PEERS_RESULTS: results, ...(setup.python ? { PYTHON: setup.python } : {}) },
        encoding: 'utf8',
        timeout: 600_000,
      },
    );
    const file = join(results, 'a_poisson2d_dde.json');
    if (r.status !== 0 || !existsSync(file))
      return `DeepXDE did not run (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-1)[0] ?? ''}`;
    const out = JSON.parse(readFileSync(file, 'utf8')) as {
      adam: { step_stats: { median_ms: number } };
      env: { torch: string; python: string };
    };
    return {
      problem: 'poisson-2d',
      ms_per_iteration: out.adam.step_stats.median_ms,
      iterations,
      torch: out.env.torch,
      python: out.env.python,
    };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

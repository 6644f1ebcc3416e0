/**
 * Resource limits checked before training: a spec whose estimated memory per
 * iteration would exhaust the machine is refused with the estimate, at the
 * keys that drive it.
 */
import { totalmem } from 'node:os';
import type { Diagnostics, SourceLoc } from '../spec/index.js';
import { estimateCost } from './describe.js';
import type { Problem } from './types.js';

/**
 * Memory allowed for one training iteration: a third of the 24 GiB machine pinn
 * is sized for, leaving room for the backend's own copies and the evaluation grid
 * (the wasm backend is further limited to 4 GiB of its own memory).
 */
const MAX_ITERATION_BYTES = 8 * 2 ** 30;

/**
 * The memory one iteration may use on this machine: the smaller of
 * MAX_ITERATION_BYTES and half of its memory (os.totalmem()), or, when
 * PINN_MEMORY_FRACTION is set (a number in (0, 1]), that fraction of its memory.
 */
function iterationByteLimit(): number {
  const env = process.env['PINN_MEMORY_FRACTION'];
  const fraction = env === undefined || env === '' ? NaN : Number(env);
  if (Number.isFinite(fraction) && fraction > 0 && fraction <= 1) return fraction * totalmem();
  return Math.min(MAX_ITERATION_BYTES, 0.5 * totalmem());
}

/** Bytes held for the parameters: weights, gradients, two Adam moments and L-BFGS history. */
function parameterBytes(problem: Problem): number {
  const widths = [problem.variables.length, ...problem.spec.network.hidden, problem.fields.length];
  let params = 0;
  for (let l = 0; l + 1 < widths.length; l++) params += widths[l]! * widths[l + 1]! + widths[l + 1]!;
  return params * 4 * 24;
}

const memoryRule = () =>
  process.env['PINN_MEMORY_FRACTION']
    ? `PINN_MEMORY_FRACTION=${process.env['PINN_MEMORY_FRACTION']} of ${gib(totalmem())} GiB`
    : `the smaller of 8 GiB and half of ${gib(totalmem())} GiB; set PINN_MEMORY_FRACTION to change`;

const gib = (b: number) => (b / 2 ** 30).toFixed(b >= 10 * 2 ** 30 ? 0 : 1);

export function checkResources(problem: Problem, diags: Diagnostics): void {
  const spec = problem.spec;
  const est = estimateCost(problem);
  const params = parameterBytes(problem);
  const total = est.bytesPerIteration + params;
  const limit = iterationByteLimit();
  if (total <= limit) return;
  const p = spec.training.points;
  const pointsDriven = est.bytesPerIteration >= params;
  const locs = spec.locs ?? {};
  const at: SourceLoc = (pointsDriven
    ? (locs['training.points.domain'] ?? locs['training.points'] ?? locs['training'])
    : (locs['network.hidden'] ?? locs['network'])) ?? { file: spec.file, line: 1, col: 1 };
  diags.error(
    at,
    `training would need about ${gib(total)} GiB of memory per iteration (estimate: ${est.points} points ` +
      `(domain ${p.domain}, boundary ${p.boundary}${problem.time ? `, initial ${p.initial}` : ''}) through a ${spec.network.hidden.join('x')} network` +
      `${params > 2 ** 30 ? ` with ${gib(params)} GiB of parameters and optimizer state` : ''}); at most ${gib(limit)} GiB is allowed here (${memoryRule()}); ` +
      `expected fewer ${pointsDriven ? 'training.points' : 'or narrower network.hidden layers'} (use resample_every to see more points over time)`,
  );
}

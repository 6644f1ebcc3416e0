/**
 * Electromagnetic field energy of a time-domain Maxwell run at each output
 * time: W(t) = integral over the domain of 1/2 (eps |E|^2 + mu |H|^2), by the
 * trapezoidal rule on the evaluation grid (grid nodes outside the domain
 * dropped; exact on box domains up to the rule's error). In 2D it is the
 * energy per unit length in z. A lossless cavity (PEC walls, no conductivity,
 * no current) conserves W: `energy_drift` = max_t |W(t) - W(t0)| / W(t0).
 */
import { evalNumeric } from '../expr/index.js';
import type { Problem } from '../problem/index.js';
import type { FieldTable } from './table.js';

export interface EnergyPoint {
  t: number;
  value: number;
  /** The same integral of the exact solution, when `exact` gives every E and H component. */
  exact?: number;
}

interface EnergyReport {
  energy: EnergyPoint[];
  energy_drift: number;
}

/** Trapezoidal weight of every grid node (x fastest), over the bounding box. */
export function gridWeights(counts: number[], min: number[], max: number[]): Float64Array {
  const nodes = counts.reduce((a, b) => a * b, 1);
  const w = new Float64Array(nodes);
  for (let k = 0; k < nodes; k++) {
    let rest = k;
    let v = 1;
    for (let a = 0; a < counts.length; a++) {
      const c = counts[a]!;
      const i = rest % c;
      rest = Math.floor(rest / c);
      const h = (max[a]! - min[a]!) / (c - 1);
      v *= i === 0 || i === c - 1 ? h / 2 : h;
    }
    w[k] = v;
  }
  return w;
}

/** The energy at each output time, or undefined when the problem has no Maxwell time-domain template. */
export function fieldEnergy(problem: Problem, table: FieldTable): EnergyReport | undefined {
  const em = problem.electromagnetic;
  if (!em || table.times.length === 0) return undefined;
  const { counts, min, max, inside } = table.grid;
  const weights = gridWeights(counts, min, max);
  const nodeOfRow: number[] = [];
  inside.forEach((v, k) => {
    if (v) nodeOfRow.push(k);
  });
  const perTime = nodeOfRow.length;
  const c = table.columns.length;
  const col = (name: string) => table.columns.indexOf(name);
  const E = em.E.map(col);
  const H = em.H.map(col);
  const Eex = em.E.map((f) => col(`${f}_exact`));
  const Hex = em.H.map((f) => col(`${f}_exact`));
  const withExact = [...Eex, ...Hex].every((i) => i >= 0);
  const nv = table.variables.length;
  const energy: EnergyPoint[] = table.times.map((t, ti) => {
    let value = 0;
    let exact = 0;
    for (let j = 0; j < perTime; j++) {
      const r = ti * perTime + j;
      const row = (i: number) => table.data[r * c + i]!;
      const at = (name: string) => {
        const vi = table.variables.indexOf(name);
        return vi >= 0 && vi < nv ? row(vi) : (table.parameters?.[name] ?? problem.constants.get(name) ?? NaN);
      };
      const eps = evalNumeric(em.permittivity, { tolerance: 0, value: at });
      const mu = evalNumeric(em.permeability, { tolerance: 0, value: at });
      const sq = (idx: number[]) => idx.reduce((s, i) => s + row(i) ** 2, 0);
      const w = weights[nodeOfRow[j]!]!;
      value += 0.5 * w * (eps * sq(E) + mu * sq(H));
      if (withExact) exact += 0.5 * w * (eps * sq(Eex) + mu * sq(Hex));
    }
    return withExact ? { t, value, exact } : { t, value };
  });
  const w0 = energy[0]!.value;
  const drift = energy.reduce((m, p) => Math.max(m, Math.abs(p.value - w0)), 0) / Math.abs(w0);
  return { energy, energy_drift: drift };
}

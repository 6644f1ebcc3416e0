/**
 * A readable account of a built problem (what `pinn validate` prints), with
 * a rough memory and time estimate per iteration from the network and point sizes.
 */
import { show } from '../expr/index.js';
import type { Problem } from './types.js';
import { channelsFor } from '../derivatives/index.js';
import { anchorCount, groupTerms } from './sampling/collocation.js';
import { estimateSampler } from './sampling/samplers.js';

/** Sustained rate assumed for estimates: measured wasm XNNPACK throughput on small matrices. */
const ASSUMED_GFLOPS = 5;

interface CostEstimate {
  flopsPerIteration: number;
  bytesPerIteration: number;
  msPerIteration: number;
  points: number;
}

export function estimateCost(problem: Problem): CostEstimate {
  const spec = problem.spec;
  const widths = [problem.variables.length, ...spec.network.hidden, problem.fields.length];
  let flops = 0;
  let bytes = 0;
  let points = 0;
  const anchors = anchorCount(problem);
  for (const g of groupTerms(problem.terms)) {
    const n =
      g.set.kind === 'domain'
        ? spec.training.points.domain + anchors
        : g.set.kind === 'initial'
          ? spec.training.points.initial
          : g.set.kind === 'data'
            ? g.set.points.length / problem.variables.length
            : spec.training.points.boundary;
    points += n;
    const ch = channelsFor(
      problem,
      g.terms.flatMap((t) => t.residuals),
    );
    const channels = 1 + ch.first.filter(Boolean).length + ch.second.length + (ch.lap ? 1 : 0);
    for (let l = 0; l + 1 < widths.length; l++) {
      // forward product per channel, then two products backward; ~8 saved activations per channel
      flops += 3 * 2 * n * widths[l]! * widths[l + 1]! * channels;
      bytes += 8 * 4 * n * widths[l + 1]! * channels;
    }
  }
  return { flopsPerIteration: flops, bytesPerIteration: bytes, msPerIteration: flops / (ASSUMED_GFLOPS * 1e6), points };
}

export function describeProblem(problem: Problem): string {
  const spec = problem.spec;
  const lines: string[] = [];
  const g = problem.geometry;
  lines.push(`${problem.name}${spec.description ? ` - ${spec.description}` : ''}`);
  lines.push(`  variables: ${problem.variables.join(', ')}   fields: ${problem.fields.join(', ')}`);
  lines.push(
    `  geometry: ${spec.geometry.kind}${spec.geometry.name ? ` '${spec.geometry.name}'` : ''}, ${problem.dim}D, bounding box [${g.bbox.min.join(', ')}] - [${g.bbox.max.join(', ')}], volume ${fmt(g.volume())}${g.partNames.length ? `, parts ${g.partNames.join(', ')}` : ''}`,
  );
  if (problem.time) lines.push(`  time: [${problem.time.min}, ${problem.time.max}]`);
  if (problem.constants.size)
    lines.push(`  constants: ${[...problem.constants].map(([k, v]) => `${k} = ${fmt(v)}`).join(', ')}`);
  if (spec.regions.length) lines.push(`  regions (first listed wins): ${spec.regions.map((r) => r.name).join(', ')}`);
  for (const c of spec.constants.filter((k) => k.pieces)) {
    const where = (region: string) => (region === 'else' ? 'elsewhere' : `in ${region}`);
    const pieces = c.pieces!.map(
      (p) => `${p.unknown ? `trained from ${p.value.text}` : p.value.text} ${where(p.region)}`,
    );
    lines.push(`  piecewise ${c.name}: ${pieces.join(', ')}`);
  }
  if (problem.unknowns.length)
    lines.push(
      `  unknowns (trained): ${problem.unknowns.map((u) => `${u.name} from ${u.initial}${boundsText(u.bounds)}`).join(', ')}`,
    );
  if (problem.unknownFields.length) lines.push(`  unknown fields (trained): ${problem.unknownFields.join(', ')}`);
  lines.push('  equations:');
  for (const t of problem.terms.filter((x) => x.kind === 'equation'))
    lines.push(`    ${t.name}`, ...t.residuals.map((r) => `      residual ${show(r)}`));
  const others = problem.terms.filter((x) => x.kind !== 'equation');
  if (others.length) {
    lines.push('  conditions and constraints:');
    for (const t of others) {
      let where: string = t.set.kind;
      if (t.set.kind === 'boundary') {
        try {
          const m = g.sampleBoundary(256, estimateSampler(), t.set.selector).measure;
          where = `boundary part ${t.set.label} (measure ${fmt(m)})`;
        } catch (err) {
          where = `boundary part ${t.set.label} (${(err as Error).message})`;
        }
      } else if (t.set.kind === 'periodic') where = `paired sides ${t.set.label}`;
      else if (t.set.kind === 'interface') where = `both sides of the ${t.set.label}`;
      else if (t.set.kind === 'data') {
        const n = t.set.points.length / problem.variables.length;
        const noise = t.set.sigma ? ', weighted by their stated noise' : '';
        lines.push(
          `    ${t.name}: ${n} observation points${noise}${t.weight !== undefined ? ` [weight ${t.weight}]` : ''}`,
        );
        continue;
      }
      lines.push(
        `    ${t.kind} ${t.name} on ${where}${t.strategy ? ` [strategy ${t.strategy}]` : ''}${t.weight !== undefined ? ` [weight ${t.weight}]` : ''}`,
      );
    }
  }
  if (problem.exact.size) lines.push(`  exact: ${[...problem.exact].map(([f, e]) => `${f} = ${show(e)}`).join('; ')}`);
  const c = spec.constraints;
  lines.push(
    `  strategy: ${c.strategy}, weights equations ${c.weights.equations}, conditions ${c.weights.conditions}, inequalities ${c.weights.inequalities}, data ${c.weights.data}`,
  );
  const n = spec.network;
  lines.push(
    `  network: ${n.hidden.join(' x ')} ${n.activation}${n.fourierFeatures ? `, ${n.fourierFeatures.count} Fourier features (scale ${n.fourierFeatures.scale})` : ''}`,
  );
  const tr = spec.training;
  const anchors = anchorCount(problem);
  lines.push(
    `  training: points domain ${tr.points.domain}${anchors ? ` (and ${anchors} data anchors)` : ''}, boundary ${tr.points.boundary}${problem.time ? `, initial ${tr.points.initial}` : ''}; sampling ${tr.sampling}${tr.resampleEvery ? `, resample every ${tr.resampleEvery}` : ''}; seed ${tr.seed}${tr.precision ? `; precision ${tr.precision}` : ''}`,
  );
  lines.push(
    `  stages: ${tr.stages.map((s) => `${s.optimizer} ${s.iterations}${s.optimizer === 'adam' ? ` (lr ${s.lr}${s.lrFinal !== undefined ? ` to ${s.lrFinal}` : ''})` : ''}`).join(', ')}`,
  );
  const est = estimateCost(problem);
  lines.push(
    `  estimate: ~${fmt(est.flopsPerIteration / 1e6)} MFLOP and ~${fmt(est.bytesPerIteration / 2 ** 20)} MiB per iteration, ~${fmt(est.msPerIteration)} ms/iteration at ${ASSUMED_GFLOPS} GFLOP/s`,
  );
  lines.push(
    `  output: grid ${spec.output.grid.join(' x ')}${spec.output.times.length ? `, times ${spec.output.times.join(', ')}` : ''}; formats ${spec.output.formats.join(', ')}`,
  );
  return lines.join('\n');
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** " in (min, max)" for a bounded unknown, "" otherwise. */
function boundsText(b: { min?: number; max?: number } | undefined): string {
  return b ? ` in (${b.min ?? '-inf'}, ${b.max ?? 'inf'})` : '';
}

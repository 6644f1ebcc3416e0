/**
 * Electromagnetic pieces of a problem: the perfect-conductor (PEC) condition's
 * residuals, the absorbing condition's, and the time-domain Maxwell templates' metadata for the field energy.
 */
import type { TemplateName } from '../spec/index.js';
import { add, div, field as fieldRef, fold, mul, num, sub, type Expr } from '../expr/index.js';
import type { Problem } from './types.js';

/** The phasor of a complex maxwell-harmonic template: its two fields' names, and its incident wave's value if any. */
export interface Phasor {
  fields: [string, string];
  incident?: [Expr, Expr];
}

/**
 * n x E = 0 on the components present: 3D Ex, Ey, Ez and 2D TE Ex, Ey need the
 * normal; TM Ez = 0 does not, and is a value a `hard` strategy can impose; so is
 * the phasor of a complex template, whose total field vanishes: with an incident wave,
 * the scattered field is minus the incident one there.
 * Undefined when the fields hold no electric components.
 */
export function pecResiduals(
  fields: string[],
  dim: number,
  phasor?: Phasor,
): { residuals: Expr[]; hard?: { field: string; value: Expr }[]; needsNormal: boolean } | undefined {
  const has = (f: string) => fields.includes(f);
  const nx: Expr = { kind: 'normal', axis: 0 };
  const ny: Expr = { kind: 'normal', axis: 1 };
  const nz: Expr = { kind: 'normal', axis: 2 };
  const E = (c: string) => fieldRef(`E${c}`);
  if (dim === 3 && has('Ex') && has('Ey') && has('Ez')) {
    return {
      residuals: [
        sub(mul(ny, E('z')), mul(nz, E('y'))),
        sub(mul(nz, E('x')), mul(nx, E('z'))),
        sub(mul(nx, E('y')), mul(ny, E('x'))),
      ],
      needsNormal: true,
    };
  }
  if (dim === 2 && has('Ex') && has('Ey')) {
    return { residuals: [sub(mul(nx, E('y')), mul(ny, E('x')))], needsNormal: true };
  }
  if (has('Ez'))
    return { residuals: [E('z')], hard: [{ field: 'Ez', value: { kind: 'num', value: 0 } }], needsNormal: false };
  if (!phasor) return undefined;
  const values = phasor.fields.map((f, i) => ({
    field: f,
    value: phasor.incident ? mul(num(-1), phasor.incident[i]!) : num(0),
  }));
  return { residuals: values.map((v) => sub(fieldRef(v.field), v.value)), hard: values, needsNormal: false };
}

const TIME_DOMAIN_MAXWELL: readonly TemplateName[] = ['maxwell-tm', 'maxwell-te', 'maxwell-3d'];

/**
 * The absorbing (outgoing-wave) condition for u = Ur + i Ui, time factor exp(-i omega t), on a
 * part of constant curvature kappa (1/R on a circle of radius R, 0 on flat sides), as the real
 * and imaginary parts of one complex residual each:
 * - order 1 (Bayliss-Turkel B1; Sommerfeld on flat sides): dn(u) - (i k - c kappa) u, c = 1/2 in
 *   2D (waves exp(i k r)/sqrt(r)) and 1 in 3D (exp(i k r)/r);
 * - order 2, 2D (B2; Engquist-Majda's second order on flat sides, kappa = 0):
 *   2 (kappa - i k) dn(u) - (2 k^2 + 3 i k kappa - 3 kappa^2/4) u - u_ss, u_ss the second
 *   derivative along the part (t.H.t - kappa dn(u), t the unit tangent), divided by 2k so that
 *   both orders weigh alike.
 */
export function absorbingResiduals(
  fields: [string, string],
  k: Expr,
  kappa: number,
  order: 1 | 2,
  dim: number,
): Expr[] {
  const [re, im] = fields;
  const dn = (f: string): Expr => ({ kind: 'dn', field: f });
  const u = (f: string) => fieldRef(f);
  const sum = (...terms: Expr[]) => terms.reduce((a, b) => add(a, b));
  if (order === 1) {
    const c = num((kappa * (dim - 1)) / 2);
    return [sum(dn(re), mul(c, u(re)), mul(k, u(im))), sub(add(dn(im), mul(c, u(im))), mul(k, u(re)))];
  }
  const nx: Expr = { kind: 'normal', axis: 0 };
  const ny: Expr = { kind: 'normal', axis: 1 };
  // t.H.t with t = (-ny, nx).
  const tangential = (f: string) =>
    sum(
      mul(mul(ny, ny), fieldRef(f, 'xx')),
      mul(num(-2), mul(mul(nx, ny), fieldRef(f, 'xy'))),
      mul(mul(nx, nx), fieldRef(f, 'yy')),
    );
  const a = sub(mul(num(2), mul(k, k)), num(0.75 * kappa * kappa));
  const b = mul(num(3 * kappa), k);
  const twoK = mul(num(2), k);
  // (3 kappa - 2 i k) dn(u) - (a + i b) u - t.H.t(u), split into real and imaginary parts.
  const real = sum(mul(num(3 * kappa), dn(re)), mul(twoK, dn(im)), mul(num(-1), mul(a, u(re))), mul(b, u(im)));
  const imag = sum(
    mul(num(3 * kappa), dn(im)),
    mul(num(-1), mul(twoK, dn(re))),
    mul(num(-1), mul(a, u(im))),
    mul(num(-1), mul(b, u(re))),
  );
  return [div(sub(real, tangential(re)), twoK), div(sub(imag, tangential(im)), twoK)];
}

/**
 * A time-domain Maxwell template's electric and magnetic fields (by their names in the
 * problem) and material expressions, for the field energy; undefined for other templates
 * or without both materials. `templateFields`: the template's own field names, `named`: the
 * problem's; `constants`: the known constants, folded into the materials.
 */
export function electromagneticMetadata(
  template: TemplateName,
  templateFields: string[],
  named: string[],
  params: ReadonlyMap<string, Expr>,
  constants: ReadonlyMap<string, number>,
): Problem['electromagnetic'] {
  if (!TIME_DOMAIN_MAXWELL.includes(template) || !params.has('permittivity') || !params.has('permeability'))
    return undefined;
  return {
    E: named.filter((_, i) => templateFields[i]!.startsWith('E')),
    H: named.filter((_, i) => templateFields[i]!.startsWith('H')),
    permittivity: fold(params.get('permittivity')!, constants),
    permeability: fold(params.get('permeability')!, constants),
  };
}

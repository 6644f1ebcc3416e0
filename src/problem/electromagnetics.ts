/**
 * Electromagnetic pieces of a problem: the perfect-conductor (PEC) condition's
 * residuals, and the time-domain Maxwell templates' metadata for the field energy.
 */
import type { TemplateName } from '../spec/index.js';
import { field as fieldRef, fold, mul, sub, type Expr } from '../expr/index.js';
import type { Problem } from './types.js';

/**
 * n x E = 0 on the components present: 3D Ex, Ey, Ez and 2D TE Ex, Ey need the
 * normal; TM Ez = 0 does not, and is a value a `hard` strategy can impose.
 * Undefined when the fields hold no electric components.
 */
export function pecResiduals(
  fields: string[],
  dim: number,
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
  return undefined;
}

const TIME_DOMAIN_MAXWELL: readonly TemplateName[] = ['maxwell-tm', 'maxwell-te', 'maxwell-3d'];

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

/**
 * Physics templates: named equation sets with parameters. Each expands into
 * residual equations written in the same expression language users write,
 * with the parameters substituted as expressions.
 */
import type { TemplateName } from './types.js';
import { pmlTerms, stretchedLaplacian, type PmlOuter } from './pml.js';

interface TemplateInfo {
  /** Parameter name to kind; expressions default to `defaults`. */
  params: Record<string, 'expr' | 'boolean'>;
  required: string[];
  defaults: Record<string, string | boolean>;
  /** Parameters without a default that may be left out (the feature they switch on is off). */
  optional?: string[];
  /** Default field names, renamable with `fields:`. */
  fields: string[];
  /**
   * A complex (phasor) form under `complex: true`: its fields (the real and imaginary parts
   * of each complex field) and the parameters that only it reads.
   */
  complex?: { fields: string[]; only: string[]; interface: string[] };
  /**
   * Equations "lhs = rhs" over the default field names and parameter names;
   * `param_x` names the derivative of an expression parameter by x (see
   * TemplateContext), so that space-dependent coefficients expand to the
   * divergence form.
   */
  equations: (p: Record<string, string | boolean>, ctx: TemplateContext) => string[];
  /**
   * Names the equations' text may use besides the parameters, each defined by text over the
   * parameters, the variables and the names before it (the PML's coefficients).
   */
  derived?: (p: Record<string, string | boolean>, ctx: TemplateContext) => [string, string][];
  /** Problem shape the template needs. */
  dims?: number[];
  needsTime?: boolean;
  /** Short description printed by `pinn validate`. */
  description: string;
  /**
   * Material coefficients: parameters whose jump across a surface changes the
   * equation's interface conditions, so an expression that jumps (`? :`,
   * comparisons, and/or/not) is refused there (problem/templates.ts).
   */
  materials?: string[];
  /**
   * The quantities that are continuous across a material interface (the field
   * and its normal flux, as text over the default names, `dn` the derivative
   * along the normal out of the region). Templates with `materials` but no
   * `interface` refuse materials that are piecewise by region.
   */
  interface?: string[];
}

/** What an expansion may depend on besides the parameters' text. */
interface TemplateContext {
  /** Spatial variables of the problem (x, y, z by dimension). */
  spatial: string[];
  /** Whether an expression parameter depends on a spatial variable. */
  varies: (param: string) => boolean;
  /** The domain's outer boundary, along which a PML lies. */
  outer: PmlOuter;
}

const NO_CONTEXT: TemplateContext = {
  spatial: ['x', 'y'],
  varies: () => false,
  outer: { kind: 'box', min: [0, 0], max: [1, 1] },
};

/** The fields of template `name` as written: the complex form's under `complex: true`, renamed by `fields:`. */
export function templateFields(t: {
  name: TemplateName;
  params: Record<string, unknown>;
  fields?: string[];
}): string[] {
  return t.fields ?? defaultFields(t);
}

/** The template's own field names (before `fields:` renames them). */
export function defaultFields(t: { name: TemplateName; params: Record<string, unknown> }): string[] {
  const info = TEMPLATE_PARAMS[t.name];
  return isComplex(t) ? info.complex!.fields : info.fields;
}

/** The quantities continuous across a material interface, in the template's form (see TemplateInfo). */
export function interfaceQuantities(t: { name: TemplateName; params: Record<string, unknown> }): string[] | undefined {
  const info = TEMPLATE_PARAMS[t.name];
  return isComplex(t) ? info.complex!.interface : info.interface;
}

const isComplex = (t: { name: TemplateName; params: Record<string, unknown> }) =>
  t.params['complex'] === true && TEMPLATE_PARAMS[t.name].complex !== undefined;

/** grad(a) . grad(u) as template text: a_x*u_x + a_y*u_y (+ a_z*u_z). */
const gradDot = (a: string, u: string, ctx: TemplateContext) =>
  `(${ctx.spatial.map((v) => `${a}_${v}*${u}_${v}`).join(' + ')})`;

const exprs = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'expr' as const]));

export const TEMPLATE_PARAMS: Record<TemplateName, TemplateInfo> = {
  poisson: {
    params: exprs('source', 'coefficient'),
    required: ['source'],
    defaults: { coefficient: '1' },
    fields: ['u'],
    equations: () => ['-coefficient*lap(u) = source'],
    description: 'Poisson equation',
  },
  helmholtz: {
    params: exprs('k', 'source'),
    required: ['k'],
    defaults: { source: '0' },
    fields: ['u'],
    equations: () => ['-lap(u) - k^2*u = source'],
    description: 'Helmholtz equation',
  },
  heat: {
    params: exprs('diffusivity', 'source'),
    required: ['diffusivity'],
    defaults: { source: '0' },
    fields: ['u'],
    // u_t = div(D grad u) + source; with a constant D this is u_t = D lap(u) + source.
    equations: (_p, c = NO_CONTEXT) => [
      c.varies('diffusivity')
        ? `u_t = diffusivity*lap(u) + ${gradDot('diffusivity', 'u', c)} + source`
        : 'u_t = diffusivity*lap(u) + source',
    ],
    needsTime: true,
    description: 'heat (diffusion) equation, u_t = div(D grad u) + source',
    materials: ['diffusivity'],
    interface: ['u', 'diffusivity*dn(u)'],
  },
  wave: {
    params: exprs('speed'),
    required: ['speed'],
    defaults: {},
    fields: ['u'],
    equations: () => ['u_tt = speed^2*lap(u)'],
    needsTime: true,
    description: 'wave equation',
  },
  burgers: {
    params: exprs('viscosity'),
    required: ['viscosity'],
    defaults: {},
    fields: ['u'],
    equations: () => ['u_t + u*u_x = viscosity*u_xx'],
    needsTime: true,
    dims: [1],
    description: "viscous Burgers' equation",
  },
  electrostatic: {
    params: exprs('permittivity', 'charge'),
    required: [],
    defaults: { permittivity: '1', charge: '0' },
    fields: ['phi'],
    // -div(eps grad phi) = rho; with a constant eps this is -eps lap(phi) = rho.
    equations: (_p, c = NO_CONTEXT) => [
      c.varies('permittivity')
        ? `-permittivity*lap(phi) - ${gradDot('permittivity', 'phi', c)} = charge`
        : '-permittivity*lap(phi) = charge',
    ],
    description: 'electrostatic potential, -div(eps grad phi) = rho',
    materials: ['permittivity'],
    interface: ['phi', 'permittivity*dn(phi)'],
  },
  magnetostatic: {
    params: exprs('permeability', 'current'),
    required: [],
    defaults: { permeability: '1', current: '0' },
    fields: ['Az'],
    // -div(grad(Az)/mu) = Jz; with a constant mu this is -lap(Az)/mu = Jz.
    equations: (_p, c = NO_CONTEXT) => [
      c.varies('permeability')
        ? `-lap(Az)/permeability + ${gradDot('permeability', 'Az', c)}/permeability^2 = current`
        : '-lap(Az)/permeability = current',
    ],
    description: 'magnetostatic vector potential Az, -div(grad(Az)/mu) = Jz',
    materials: ['permeability'],
    interface: ['Az', 'dn(Az)/permeability'],
  },
  'maxwell-tm': {
    params: exprs('permittivity', 'permeability', 'conductivity', 'current'),
    required: [],
    defaults: { permittivity: '1', permeability: '1', conductivity: '0', current: '0' },
    fields: ['Ez', 'Hx', 'Hy'],
    equations: () => [
      'permittivity*Ez_t = Hy_x - Hx_y - conductivity*Ez - current',
      'permeability*Hx_t = -Ez_y',
      'permeability*Hy_t = Ez_x',
    ],
    dims: [2],
    needsTime: true,
    description: "Maxwell's equations, 2D transverse magnetic (Ez, Hx, Hy)",
    materials: ['permittivity', 'permeability'],
  },
  'maxwell-te': {
    params: exprs('permittivity', 'permeability'),
    required: [],
    defaults: { permittivity: '1', permeability: '1' },
    fields: ['Hz', 'Ex', 'Ey'],
    equations: () => ['permeability*Hz_t = Ex_y - Ey_x', 'permittivity*Ex_t = Hz_y', 'permittivity*Ey_t = -Hz_x'],
    dims: [2],
    needsTime: true,
    description: "Maxwell's equations, 2D transverse electric (Hz, Ex, Ey)",
    materials: ['permittivity', 'permeability'],
  },
  'maxwell-3d': {
    params: { permittivity: 'expr', permeability: 'expr', divergence: 'boolean' },
    required: [],
    defaults: { permittivity: '1', permeability: '1', divergence: false },
    fields: ['Ex', 'Ey', 'Ez', 'Hx', 'Hy', 'Hz'],
    equations: (p) => [
      'permittivity*Ex_t = Hz_y - Hy_z',
      'permittivity*Ey_t = Hx_z - Hz_x',
      'permittivity*Ez_t = Hy_x - Hx_y',
      'permeability*Hx_t = -(Ez_y - Ey_z)',
      'permeability*Hy_t = -(Ex_z - Ez_x)',
      'permeability*Hz_t = -(Ey_x - Ex_y)',
      ...(p['divergence'] === true ? ['Ex_x + Ey_y + Ez_z = 0', 'Hx_x + Hy_y + Hz_z = 0'] : []),
    ],
    dims: [3],
    needsTime: true,
    description: "Maxwell's equations in 3D (E, H)",
    materials: ['permittivity', 'permeability'],
  },
  'maxwell-harmonic': {
    params: {
      ...exprs('omega', 'permittivity', 'permeability', 'current'),
      complex: 'boolean',
      ...exprs('permittivity_imag', 'conductivity', 'current_imag', 'incident', 'pml', 'reflection'),
    },
    required: ['omega'],
    defaults: {
      permittivity: '1',
      permeability: '1',
      current: '0',
      complex: false,
      permittivity_imag: '0',
      conductivity: '0',
      current_imag: '0',
      reflection: '1e-3',
    },
    optional: ['incident', 'pml'],
    fields: ['Ez'],
    complex: {
      fields: ['Ezr', 'Ezi'],
      only: ['permittivity_imag', 'conductivity', 'current_imag', 'incident', 'pml', 'reflection'],
      interface: ['Ezr', 'Ezi', 'dn(Ezr)/permeability', 'dn(Ezi)/permeability'],
    },
    // -mu div(grad(Ez)/mu) - omega^2 eps mu Ez = current; with a constant mu, -lap(Ez) - omega^2 eps mu Ez = current.
    equations: (p, c = NO_CONTEXT) =>
      p['complex'] === true
        ? complexHarmonic(p, c)
        : [
            c.varies('permeability')
              ? `-lap(Ez) + ${gradDot('permeability', 'Ez', c)}/permeability - omega^2*permittivity*permeability*Ez = current`
              : '-lap(Ez) - omega^2*permittivity*permeability*Ez = current',
          ],
    derived: (p, c) => (p['complex'] === true && p['pml'] !== undefined ? pmlTerms(c.outer) : []),
    dims: [2],
    description: 'time-harmonic 2D TM field Ez (a real amplitude, or with complex: true the phasor Ezr + i Ezi)',
    // A jump in eps only scales the zeroth-order term: Ez and dEz/dn stay continuous.
    materials: ['permeability'],
    interface: ['Ez', 'dn(Ez)/permeability'],
  },
};

/**
 * The complex form of maxwell-harmonic for the phasor Ez = Ezr + i Ezi (time factor
 * exp(-i omega t)), split into real and imaginary parts:
 * -mu div(S grad(Ez)/mu) - omega^2 mu eps_c Ez = J, eps_c = permittivity + i (permittivity_imag
 * + conductivity/omega), J = current + i current_imag, S the PML's complex stretching (identity
 * without `pml`). With `incident` the fields are the scattered part of the total field
 * Ez + exp(i omega (x cos(incident) + y sin(incident))) (a plane wave in eps = mu = 1): the operator
 * applied to the incident wave moves to the right-hand side.
 */
function complexHarmonic(p: Record<string, string | boolean>, c: TemplateContext): string[] {
  const loss = '(permittivity_imag + conductivity/omega)';
  const mu = c.varies('permeability');
  // mu div(grad(f)/mu) = lap(f) - grad(mu).grad(f)/mu; the PML stretches the Laplacian only.
  const divergence = (f: 'Ezr' | 'Ezi') =>
    (p['pml'] !== undefined ? stretchedLaplacian(f, c.outer) : `lap(${f})`) +
    (mu ? ` - ${gradDot('permeability', f, c)}/permeability` : '');
  const [srcR, srcI] = p['incident'] !== undefined ? incidentSource(mu) : ['', ''];
  return [
    `-(${divergence('Ezr')}) - omega^2*permeability*(permittivity*Ezr - ${loss}*Ezi) = current${srcR}`,
    `-(${divergence('Ezi')}) - omega^2*permeability*(permittivity*Ezi + ${loss}*Ezr) = current_imag${srcI}`,
  ];
}

/**
 * -(operator applied to the incident wave u = cos(ph) + i sin(ph), ph = omega d.x) as the
 * right-hand side's real and imaginary additions: lap(u) = -omega^2 u and grad(u) = i omega d u give
 * omega^2 (1 - mu eps_c) u (+ i omega (d.grad(mu)/mu) u where mu varies).
 */
function incidentSource(muVaries: boolean): [string, string] {
  const phase = `omega*(x*cos(incident) + y*sin(incident))`;
  const [cs, sn] = [`cos(${phase})`, `sin(${phase})`];
  const loss = '(permittivity_imag + conductivity/omega)';
  const g = muVaries ? `(permeability_x*cos(incident) + permeability_y*sin(incident))/permeability` : '';
  const re = `omega^2*((1 - permeability*permittivity)*${cs} + permeability*${loss}*${sn})`;
  const im = `omega^2*((1 - permeability*permittivity)*${sn} - permeability*${loss}*${cs})`;
  return muVaries ? [` - (${re} - omega*${g}*${sn})`, ` - (${im} + omega*${g}*${cs})`] : [` - ${re}`, ` - ${im}`];
}

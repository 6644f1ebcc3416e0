/**
 * Physics templates: named equation sets with parameters. Each expands into
 * residual equations written in the same expression language users write,
 * with the parameters substituted as expressions.
 */
import type { TemplateName } from './types.js';

interface TemplateInfo {
  /** Parameter name to kind; expressions default to `defaults`. */
  params: Record<string, 'expr' | 'boolean'>;
  required: string[];
  defaults: Record<string, string | boolean>;
  /** Default field names, renamable with `fields:`. */
  fields: string[];
  /**
   * Equations "lhs = rhs" over the default field names and parameter names;
   * `param_x` names the derivative of an expression parameter by x (see
   * TemplateContext), so that space-dependent coefficients expand to the
   * divergence form.
   */
  equations: (p: Record<string, string | boolean>, ctx: TemplateContext) => string[];
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
}

const NO_CONTEXT: TemplateContext = { spatial: ['x', 'y'], varies: () => false };

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
    params: exprs('omega', 'permittivity', 'permeability', 'current'),
    required: ['omega'],
    defaults: { permittivity: '1', permeability: '1', current: '0' },
    fields: ['Ez'],
    // -mu div(grad(Ez)/mu) - omega^2 eps mu Ez = current; with a constant mu, -lap(Ez) - omega^2 eps mu Ez = current.
    equations: (_p, c = NO_CONTEXT) => [
      c.varies('permeability')
        ? `-lap(Ez) + ${gradDot('permeability', 'Ez', c)}/permeability - omega^2*permittivity*permeability*Ez = current`
        : '-lap(Ez) - omega^2*permittivity*permeability*Ez = current',
    ],
    dims: [2],
    description: 'time-harmonic 2D TM field (real amplitude of Ez)',
    // A jump in eps only scales the zeroth-order term: Ez and dEz/dn stay continuous.
    materials: ['permeability'],
    interface: ['Ez', 'dn(Ez)/permeability'],
  },
};

/**
 * Physics templates: named equation sets with parameters. Each expands into
 * residual equations written in the same expression language users write,
 * with the parameters substituted as expressions.
 */
import type { TemplateName } from './types.js';

export interface TemplateInfo {
  /** Parameter name to kind; expressions default to `defaults`. */
  params: Record<string, 'expr' | 'boolean'>;
  required: string[];
  defaults: Record<string, string | boolean>;
  /** Default field names, renamable with `fields:`. */
  fields: string[];
  /** Equations "lhs = rhs" over the default field names and parameter names. */
  equations: (p: Record<string, string | boolean>) => string[];
  /** Problem shape the template needs. */
  dims?: number[];
  needsTime?: boolean;
  /** Short description printed by `pinn validate`. */
  description: string;
}

const exprs = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'expr' as const]));

export const TEMPLATE_PARAMS: Record<TemplateName, TemplateInfo> = {
  poisson: {
    params: exprs('source', 'coefficient'), required: ['source'], defaults: { coefficient: '1' },
    fields: ['u'], equations: () => ['-coefficient*lap(u) = source'], description: 'Poisson equation',
  },
  helmholtz: {
    params: exprs('k', 'source'), required: ['k'], defaults: { source: '0' },
    fields: ['u'], equations: () => ['-lap(u) - k^2*u = source'], description: 'Helmholtz equation',
  },
  heat: {
    params: exprs('diffusivity', 'source'), required: ['diffusivity'], defaults: { source: '0' },
    fields: ['u'], equations: () => ['u_t = diffusivity*lap(u) + source'], needsTime: true, description: 'heat (diffusion) equation',
  },
  wave: {
    params: exprs('speed'), required: ['speed'], defaults: {},
    fields: ['u'], equations: () => ['u_tt = speed^2*lap(u)'], needsTime: true, description: 'wave equation',
  },
  burgers: {
    params: exprs('viscosity'), required: ['viscosity'], defaults: {},
    fields: ['u'], equations: () => ['u_t + u*u_x = viscosity*u_xx'], needsTime: true, dims: [1], description: "viscous Burgers' equation",
  },
  electrostatic: {
    params: exprs('permittivity', 'charge'), required: [], defaults: { permittivity: '1', charge: '0' },
    fields: ['phi'], equations: () => ['-permittivity*lap(phi) = charge'], description: 'electrostatic potential, -eps lap(phi) = rho',
  },
  magnetostatic: {
    params: exprs('permeability', 'current'), required: [], defaults: { permeability: '1', current: '0' },
    fields: ['Az'], equations: () => ['-lap(Az)/permeability = current'], description: 'magnetostatic vector potential Az, -lap(Az)/mu = Jz',
  },
  'maxwell-tm': {
    params: exprs('permittivity', 'permeability', 'conductivity', 'current'), required: [],
    defaults: { permittivity: '1', permeability: '1', conductivity: '0', current: '0' },
    fields: ['Ez', 'Hx', 'Hy'],
    equations: () => [
      'permittivity*Ez_t = Hy_x - Hx_y - conductivity*Ez - current',
      'permeability*Hx_t = -Ez_y',
      'permeability*Hy_t = Ez_x',
    ],
    dims: [2], needsTime: true, description: "Maxwell's equations, 2D transverse magnetic (Ez, Hx, Hy)",
  },
  'maxwell-te': {
    params: exprs('permittivity', 'permeability'), required: [], defaults: { permittivity: '1', permeability: '1' },
    fields: ['Hz', 'Ex', 'Ey'],
    equations: () => [
      'permeability*Hz_t = Ex_y - Ey_x',
      'permittivity*Ex_t = Hz_y',
      'permittivity*Ey_t = -Hz_x',
    ],
    dims: [2], needsTime: true, description: "Maxwell's equations, 2D transverse electric (Hz, Ex, Ey)",
  },
  'maxwell-3d': {
    params: { permittivity: 'expr', permeability: 'expr', divergence: 'boolean' }, required: [],
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
    dims: [3], needsTime: true, description: "Maxwell's equations in 3D (E, H)",
  },
  'maxwell-harmonic': {
    params: exprs('omega', 'permittivity', 'permeability', 'current'), required: ['omega'],
    defaults: { permittivity: '1', permeability: '1', current: '0' },
    fields: ['Ez'], equations: () => ['-lap(Ez) - omega^2*permittivity*permeability*Ez = current'],
    dims: [2], description: 'time-harmonic 2D TM field (real amplitude of Ez)',
  },
};

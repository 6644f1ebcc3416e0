/**
 * The perfectly matched layer of maxwell-harmonic's complex form, as template text: complex
 * coordinate stretching in a layer of width `pml` inside the domain's outer boundary. Along a
 * rectangle's sides each coordinate v is stretched on its own (v -> v + i A(v)); inside a circle
 * the radius is (r -> r + i A(r)). With s = 1 + i a the stretching factor, a = A' grows as
 * a0 (depth / pml)^2 into the layer, and a0 = 3 ln(1/reflection) / (2 omega pml): a plane wave
 * crossing the layer and back along its normal returns with amplitude `reflection`.
 */

/** The outer boundary the layer lies along: a rectangle (the bounding box) or a circle. */
export type PmlOuter =
  { kind: 'box'; min: number[]; max: number[] } | { kind: 'disk'; center: number[]; radius: number };

const A0 = '(3*log(1/reflection)/(2*omega*pml))';

/** The stretched Laplacian of the phasor's part f (its real or imaginary part), over the names of pmlTerms. */
export function stretchedLaplacian(f: 'Ezr' | 'Ezi', outer: PmlOuter): string {
  const other = f === 'Ezr' ? 'Ezi' : 'Ezr';
  // (cr + i ci)(Fr + i Fi): real part cr Fr - ci Fi, imaginary part cr Fi + ci Fr.
  const times = (c: string, fr: (g: string) => string) =>
    f === 'Ezr' ? `${c}r*${fr(f)} - ${c}i*${fr(other)}` : `${c}r*${fr(f)} + ${c}i*${fr(other)}`;
  if (outer.kind === 'box')
    return ['x', 'y']
      .map((v) => `${times(`pml_p${v}`, (g) => `${g}_${v}${v}`)} + ${times(`pml_q${v}`, (g) => `${g}_${v}`)}`)
      .join(' + ');
  const urr = (g: string) => `(pml_X^2*${g}_xx + 2*pml_X*pml_Y*${g}_xy + pml_Y^2*${g}_yy)/pml_r^2`;
  const ur = (g: string) => `(pml_X*${g}_x + pml_Y*${g}_y)/pml_r`;
  const lap = (g: string) => `lap(${g})`;
  return `lap(${f}) + ${times('pml_c2', urr)} + ${times('pml_c1', ur)} - (${times('pml_e', lap)})`;
}

/** The PML's coefficients by name, each defined by text over the parameters and the names before it. */
export function pmlTerms(outer: PmlOuter): [string, string][] {
  return outer.kind === 'box' ? boxTerms(outer) : diskTerms(outer);
}

/**
 * Along a rectangle's sides, per axis v: the stretched d2/dv2 is p f_vv + q f_v with p = 1/s^2 =
 * (1 - a^2 - 2 i a)/d^2 and q = -s'/s^3 = -a' ((3a - a^3) + i (1 - 3a^2))/d^3, d = 1 + a^2.
 */
function boxTerms(box: { min: number[]; max: number[] }): [string, string][] {
  return ['x', 'y'].flatMap((v, i): [string, string][] => {
    const [inLo, inHi] = [`max(${box.min[i]} + pml - ${v}, 0)`, `max(${v} - (${box.max[i]} - pml), 0)`];
    const [a, da, d] = [`pml_a${v}`, `pml_da${v}`, `pml_d${v}`];
    return [
      [a, `${A0}*(${inLo}^2 + ${inHi}^2)/pml^2`],
      [da, `2*${A0}*(${inHi} - ${inLo})/pml^2`],
      [d, `1 + ${a}^2`],
      [`pml_p${v}r`, `(1 - ${a}^2)/${d}^2`],
      [`pml_p${v}i`, `-2*${a}/${d}^2`],
      [`pml_q${v}r`, `-${da}*(3*${a} - ${a}^3)/${d}^3`],
      [`pml_q${v}i`, `-${da}*(1 - 3*${a}^2)/${d}^3`],
    ];
  });
}

/**
 * Inside a circle, with R = r + i A(r): the Laplacian in polar coordinates with r stretched,
 * u_rr/s^2 + (1/(R s) - s'/s^3) u_r + u_tt/R^2, written as lap(u) + c2 u_rr + c1 u_r - e lap(u)
 * (u_tt = r^2 (lap(u) - u_rr) - r u_r), whose coefficients vanish outside the layer:
 * e = 1 - r^2/R^2, c2 = 1/s^2 - 1 + e, c1 = i (A - r a)/(R^2 s) - s'/s^3.
 */
function diskTerms(disk: { center: number[]; radius: number }): [string, string][] {
  const [cx, cy] = disk.center;
  return [
    ['pml_X', `x - ${cx}`],
    ['pml_Y', `y - ${cy}`],
    // Kept off 0 at the center, where every coefficient is 0 times a finite ratio.
    ['pml_r', 'sqrt(pml_X^2 + pml_Y^2 + 1e-12)'],
    ['pml_depth', `max(pml_r - (${disk.radius} - pml), 0)`],
    ['pml_a', `${A0}*pml_depth^2/pml^2`],
    ['pml_da', `2*${A0}*pml_depth/pml^2`],
    ['pml_A', `${A0}*pml_depth^3/(3*pml^2)`],
    ['pml_d', '1 + pml_a^2'],
    // e = 1 - r^2/R^2 = (A^2 (3r^2 + A^2) + 2 i r^3 A)/(r^2 + A^2)^2.
    ['pml_er', 'pml_A^2*(3*pml_r^2 + pml_A^2)/(pml_r^2 + pml_A^2)^2'],
    ['pml_ei', '2*pml_r^3*pml_A/(pml_r^2 + pml_A^2)^2'],
    // 1/s^2 - 1 = (-a^2 (3 + a^2) - 2 i a)/d^2.
    ['pml_c2r', '-pml_a^2*(3 + pml_a^2)/pml_d^2 + pml_er'],
    ['pml_c2i', '-2*pml_a/pml_d^2 + pml_ei'],
    // M = R^2 s = (r^2 - A^2 - 2 r A a) + i (2 r A + a (r^2 - A^2)); i (A - r a)/M = (A - r a)(Mi + i Mr)/|M|^2.
    ['pml_mr', 'pml_r^2 - pml_A^2 - 2*pml_r*pml_A*pml_a'],
    ['pml_mi', '2*pml_r*pml_A + pml_a*(pml_r^2 - pml_A^2)'],
    ['pml_m2', 'pml_mr^2 + pml_mi^2'],
    ['pml_c1r', '(pml_A - pml_r*pml_a)*pml_mi/pml_m2 - pml_da*(3*pml_a - pml_a^3)/pml_d^3'],
    ['pml_c1i', '(pml_A - pml_r*pml_a)*pml_mr/pml_m2 - pml_da*(1 - 3*pml_a^2)/pml_d^3'],
  ];
}

// L2 relative error of u = 2.5 - 2 r^2 + (r^2 - 0.25)(1 - r^2) N (bench/blend/annulus-hand.yaml)
// against the exact 0.5 + 1.5 log(r) / log(0.5), over the grid nodes of fields.csv inside the annulus.
import { readFileSync } from 'node:fs';

const [header, ...rows] = readFileSync(process.argv[2], 'utf8').trim().split('\n');
const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
let err = 0;
let ref = 0;
for (const row of rows) {
  const v = row.split(',').map(Number);
  const s = v[col.x] ** 2 + v[col.y] ** 2;
  if (s < 0.25 || s > 1) continue;
  const u = 2.5 - 2 * s + (s - 0.25) * (1 - s) * v[col.N];
  const exact = 0.5 + (1.5 * Math.log(Math.sqrt(s))) / Math.log(0.5);
  err += (u - exact) ** 2;
  ref += exact ** 2;
}
console.log(Math.sqrt(err / ref).toExponential(3));

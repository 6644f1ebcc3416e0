/**
 * What an expression needs: derivative channels of the fields (so the network
 * propagates only those), names it uses, and constant folding.
 */
import { walk, mapExpr, type Expr } from './ir.js';
import { NUMERIC_FUNCTIONS } from './numeric.js';

interface ChannelNeeds {
  /** Variable indices whose first derivatives are read. */
  first: Set<number>;
  /** Second derivative pairs "i,j" (i <= j) read. */
  second: Set<string>;
  /** A Laplacian is read. */
  lap: boolean;
}

export function emptyNeeds(): ChannelNeeds {
  return { first: new Set(), second: new Set(), lap: false };
}

/** Adds to `needs` the field derivative channels `e` reads. */
export function collectNeeds(e: Expr, variables: string[], spatial: number[], needs: ChannelNeeds): ChannelNeeds {
  walk(e, (node) => {
    if (node.kind === 'field' && node.derivs.length > 0) {
      const idx = [...node.derivs].map((c) => variables.indexOf(c));
      idx.forEach((i) => needs.first.add(i));
      if (idx.length === 2) {
        const [i, j] = idx[0]! <= idx[1]! ? idx : [idx[1]!, idx[0]!];
        needs.second.add(`${i},${j}`);
      }
    } else if (node.kind === 'lap') {
      needs.lap = true;
      spatial.forEach((i) => needs.first.add(i));
    } else if (node.kind === 'dn') {
      spatial.forEach((i) => needs.first.add(i));
    }
  });
  return needs;
}

/** Largest derivative order of any field in `e` (lap counts as 2). */
export function derivativeOrder(e: Expr): number {
  let order = 0;
  walk(e, (node) => {
    if (node.kind === 'field') order = Math.max(order, node.derivs.length);
    if (node.kind === 'lap') order = Math.max(order, 2);
    if (node.kind === 'dn') order = Math.max(order, 1);
  });
  return order;
}

/** Names of fields referenced. */
export function fieldsUsed(e: Expr): Set<string> {
  const out = new Set<string>();
  walk(e, (node) => {
    if (node.kind === 'field' || node.kind === 'lap' || node.kind === 'dn') out.add(node.field);
  });
  return out;
}

/** Replaces known constants by numbers and folds numeric subtrees. */
export function fold(e: Expr, known: ReadonlyMap<string, number>): Expr {
  return mapExpr(e, (node) => {
    if (node.kind === 'const' && known.has(node.name)) return { kind: 'num', value: known.get(node.name)! };
    if (node.kind === 'neg' && node.arg.kind === 'num') return { kind: 'num', value: -node.arg.value };
    if (node.kind === 'binary' && node.left.kind === 'num' && node.right.kind === 'num') {
      const a = node.left.value;
      const b = node.right.value;
      const v =
        node.op === '+' ? a + b : node.op === '-' ? a - b : node.op === '*' ? a * b : node.op === '/' ? a / b : a ** b;
      if (Number.isFinite(v)) return { kind: 'num', value: v };
    }
    if (node.kind === 'call' && node.args.every((x) => x.kind === 'num') && node.fn !== 'min' && node.fn !== 'max') {
      const v = NUMERIC_FUNCTIONS[node.fn]((node.args[0] as { value: number }).value);
      if (Number.isFinite(v)) return { kind: 'num', value: v };
    }
    return node;
  });
}

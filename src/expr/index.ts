/** Expression strings to a small IR (mathjs parser only), its analysis, symbolic derivatives and float64 evaluation. */
export { collectNeeds, derivativeOrder, emptyNeeds, fieldsUsed, fold } from './analyze.js';
export { dependsOn, diff, DiffError, simplify } from './diff.js';
export {
  add,
  call,
  children,
  div,
  field,
  mapExpr,
  mul,
  neg,
  num,
  pow,
  show,
  sub,
  sum,
  variable,
  walk,
  type Expr,
  type FunctionName,
  type UnaryFunctionName,
} from './ir.js';
export { compileNumeric, evalNumeric } from './numeric.js';
export { ExprError, parseEquation, parseExpr, type NameScope } from './parse.js';

/**
 * The default recipe (docs/accuracy.md#the-default-recipe): a spec that gives neither
 * `network.hidden` nor `training.stages` trains DEFAULTS' one-layer network with Adam, then
 * Levenberg-Marquardt. A spec that gives one of the two gets the other to match it: its own
 * network of more weights than the second-order stage pays on trains with the first-order stages,
 * and its own stages without a Levenberg-Marquardt stage train the first-order network. The
 * recipe's network with sin units starts with the `unit` first layer (unless the spec gives one):
 * behind a single hidden layer, the first layer alone sets the frequencies a sin network has, and
 * Glorot's scale leaves it nearly linear over the domain, where the second-order steps stall.
 * Under `penalty` the second-order stage also weighs the conditions more (completeWeights).
 */
import { DEFAULTS } from './defaults.js';
import { templateFields } from './templates.js';
import type { Spec, StageSpec, TemplateSpec } from './types.js';

/** The weights of a network with these hidden widths, inputs and outputs. */
export function networkWeights(hidden: readonly number[], inputs: number, outputs: number): number {
  const sizes = [inputs, ...hidden, outputs];
  let total = 0;
  for (let l = 0; l + 1 < sizes.length; l++) total += (sizes[l]! + 1) * sizes[l + 1]!;
  return total;
}

/** What the spec gave itself, and the sizes its network's weights follow from. */
interface RecipeContext {
  givenHidden: boolean;
  givenFirstLayer: boolean;
  givenStages: boolean;
  inputs: number;
  outputs: number;
}

/** Completes `network.hidden` and `training.stages` in place by the default recipe. */
export function completeRecipe(network: Spec['network'], training: Spec['training'], c: RecipeContext): void {
  const first = DEFAULTS.firstOrder;
  if (
    c.givenHidden &&
    !c.givenStages &&
    networkWeights(network.hidden, c.inputs, c.outputs) > first.maxSecondOrderWeights
  )
    training.stages = first.stages.map((s) => ({ ...s, loc: { file: '', line: 0, col: 0 } }));
  if (c.givenStages && !c.givenHidden && !training.stages.some(isSecondOrder)) network.hidden = [...first.hidden];
  if (!c.givenHidden && !c.givenFirstLayer && network.activation === 'sin' && training.stages.some(isSecondOrder))
    network.firstLayer = 'unit';
}

/**
 * Completes `constraints.weights.conditions` in place: under `penalty` with a Levenberg-Marquardt stage, the
 * second-order weight when the spec gives none. Gauss-Newton fits what the loss weighs: at weight 1 it left the data of
 * an annulus missed by 1.4 % with the equations' mean square at 3.8e-3; at 100 the held-out family's errors fell 4-31x
 * on eight of twelve problems (docs/accuracy.md, "The conditions' weight under penalty").
 */
export function completeWeights(
  constraints: Spec['constraints'],
  training: Spec['training'],
  givenWeight: boolean,
): void {
  if (!givenWeight && constraints.strategy === 'penalty' && training.stages.some(isSecondOrder))
    constraints.weights.conditions = DEFAULTS.secondOrder.conditionsWeight;
}

const isSecondOrder = (s: StageSpec) => s.optimizer === 'levenberg-marquardt';

/** The network's outputs as far as the spec says: its fields, or its templates' default fields. */
export function declaredOutputs(fields: string[], templates: TemplateSpec[]): number {
  const fromTemplates = templates.reduce((n, t) => n + templateFields(t).length, 0);
  return Math.max(1, fields.length + fromTemplates);
}

/**
 * YAML spec file -> validated Spec. Structural checks (keys, types, ranges)
 * are made by the section readers (read-*.ts); names and expressions are
 * checked when the problem is built.
 */
import { basename, extname } from 'node:path';
import type { Document, Node } from 'yaml';
import { Diagnostics } from './diagnostics.js';
import { DEFAULTS } from './defaults.js';
import { applyOverrides, overridesFromFlags, type Override } from './overrides.js';
import { readRegions, readShape, readTime } from './read-geometry.js';
import {
  readConditions,
  readConstants,
  readEquations,
  readExprMap,
  readFields,
  readInequalities,
} from './read-physics.js';
import { readParameters } from './read-parameters.js';
import { completeRecipe, completeWeights, declaredOutputs } from './recipe.js';
import { readConstraints, readNetwork, readOutput, readTraining } from './read-settings.js';
import { parseSpecYaml, readSource } from './source.js';
import { shapeDim, type PartialSpec, type SourceLoc, type Spec, type TemplateSpec } from './types.js';
import { YamlReader, type YNode } from './yaml-reader.js';

const TOP_KEYS = [
  'name',
  'description',
  'version',
  'geometry',
  'time',
  'parameters',
  'fields',
  'unknown_fields',
  'constants',
  'regions',
  'equations',
  'conditions',
  'inequalities',
  'exact',
  'constraints',
  'network',
  'training',
  'output',
] as const;

/** Key paths whose source locations a spec keeps, for errors found after loading. */
const LOC_PATHS = [
  'geometry',
  'fields',
  'unknown_fields',
  'network',
  'network.activation',
  'network.hidden',
  'training',
  'training.points',
  'training.points.domain',
  'training.points.boundary',
  'training.points.initial',
  'constraints.strategy',
  'equations',
];

/** A spec file plus CLI overrides (flags become --set paths, checked like the file). */
export function loadSpecWithFlags(file: string, sets: string[], flags: { strategy?: string; seed?: number }): Spec {
  return loadSpec(file, overridesFromFlags(sets, flags));
}

/** Reads and checks a spec file; throws SpecError listing every problem found. */
export function loadSpec(file: string, overrides: Override[] = []): Spec {
  const source = readSource(file);
  return loadSpecText(source, file, overrides);
}

export function loadSpecText(source: string, file: string, overrides: Override[] = []): Spec {
  const { doc, lines } = parseSpecYaml(source, file);
  const diags = new Diagnostics();
  const overrideNodes = applyOverrides(doc, overrides, diags);
  diags.throwIfAny();
  const r = new YamlReader(file, lines, doc, overrideNodes, source);
  const read = readSpec(r, doc, file);
  const spec = read && hasGeometry(read.spec) ? read.spec : undefined;
  // With errors, the spec as read goes along when the rest can still be checked on it (names and geometry sound).
  r.diags.throwIfAny(read?.namesOk ? spec : undefined);
  // Without errors the spec is complete: a missing or unreadable geometry is an error.
  return spec!;
}

function hasGeometry(spec: PartialSpec): spec is Spec {
  return spec.geometry !== undefined;
}

/**
 * The spec as far as it reads, and whether its name-defining parts (geometry,
 * time, equations, fields, constants) read without error; undefined when the
 * file is not a mapping at all.
 */
function readSpec(r: YamlReader, doc: Document, file: string): { spec: PartialSpec; namesOk: boolean } | undefined {
  const top = r.map(doc.contents as YNode, 'the spec', TOP_KEYS, ['geometry']);
  if (!top) return undefined;
  const get = (k: string) => top.get(k)?.value;
  const has = (k: string) => top.has(k);

  const version = has('version') ? r.number(get('version'), 'version') : DEFAULTS.version;
  if (version !== undefined && version !== 1)
    r.error(get('version'), `unsupported spec version ${version}; expected 1`);

  const name = has('name') ? (r.string(get('name'), 'name') ?? 'problem') : basename(file, extname(file));
  if (/[/\\]|^\.\.?$/.test(name)) {
    r.error(get('name'), `name '${name}' cannot be used as a folder name; expected letters, digits, '-' or '_'`);
  }
  const description = has('description') ? r.string(get('description'), 'description') : undefined;

  const errorsBefore = r.diags.list.length;
  const geometry = has('geometry') ? readShape(r, get('geometry'), 'geometry', 0) : undefined;
  const time = has('time') ? readTime(r, get('time')) : undefined;
  const parameters = has('parameters') ? readParameters(r, get('parameters')) : [];
  const templates: TemplateSpec[] = [];
  const equations = has('equations') ? readEquations(r, get('equations'), templates) : [];
  const fields = has('fields') ? readFields(r, get('fields')) : [];
  const unknownFields = has('unknown_fields') ? readFields(r, get('unknown_fields'), 'unknown_fields') : [];
  const constants = has('constants') ? readConstants(r, get('constants')) : [];
  const regions = has('regions') ? readRegions(r, get('regions')) : [];
  const namesOk = r.diags.list.length === errorsBefore;
  const conditions = has('conditions') ? readConditions(r, get('conditions'), templates) : [];
  const inequalities = has('inequalities') ? readInequalities(r, get('inequalities')) : [];
  const exact = has('exact') ? readExprMap(r, get('exact'), 'exact') : {};

  if (!has('equations')) {
    r.error(
      doc.contents as YNode,
      'the spec has no \'equations\'; expected a list of residuals like "-lap(u) = f" or a template like {poisson: {source: ...}}',
    );
  }
  if (equations.length === 0 && templates.length === 0 && has('equations')) {
    r.error(get('equations'), 'equations is empty; expected at least one equation or template');
  }

  const constraints = readConstraints(r, get('constraints'));
  const network = readNetwork(r, get('network'));
  const training = readTraining(r, get('training'));
  completeRecipe(network, training, {
    givenHidden: doc.hasIn(['network', 'hidden']),
    givenFirstLayer: doc.hasIn(['network', 'first_layer']),
    givenStages: doc.hasIn(['training', 'stages']),
    inputs: (geometry ? shapeDim(geometry) : 2) + (time ? 1 : 0) + parameters.length,
    outputs: declaredOutputs(fields, templates),
  });
  completeWeights(constraints, training, doc.hasIn(['constraints', 'weights', 'conditions']));
  const output = readOutput(r, get('output'), geometry, time, parameters);
  const spec: PartialSpec = {
    file,
    name,
    description,
    geometry,
    time,
    parameters,
    fields,
    unknownFields,
    constants,
    regions,
    equations,
    templates,
    conditions,
    inequalities,
    exact,
    constraints,
    network,
    training,
    output,
    locs: valueLocs(r, doc),
  };
  return { spec, namesOk };
}

function valueLocs(r: YamlReader, doc: Document): Record<string, SourceLoc> {
  const locs: Record<string, SourceLoc> = {};
  for (const path of LOC_PATHS) {
    const n = doc.getIn(path.split('.'), true) as Node | undefined;
    if (n && typeof n === 'object') locs[path] = r.loc(n);
  }
  return locs;
}

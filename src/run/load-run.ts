/**
 * Reading a finished run back: its saved model (model/, see src/model/format.ts),
 * its summary and its resolved spec. The one loader for `pinn eval` and
 * `pinn verify` (verify: `loadRun` gives the rebuilt Problem as well; nothing
 * else is needed - add here rather than writing a second loader).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadSpecText, SpecError, type Spec } from '../spec/index.js';
import { buildProblem, type Problem } from '../problem/index.js';
import {
  MANIFEST_FILE,
  MODEL_DIR,
  modelFromArtifacts,
  readModelFiles,
  SPEC_FILE,
  TOPOLOGY_FILE,
  WEIGHTS_FILE,
  type Model,
  type ModelProblem,
  type PinnManifest,
} from '../model/index.js';

interface LoadedModel {
  runDir: string;
  manifest: PinnManifest;
  model: Model;
  /** What evaluating the model needs: variables, fields, constants, spatial indices. */
  view: ModelProblem & { name: string };
}

interface LoadedRun extends LoadedModel {
  spec: Spec;
  problem: Problem;
  /** summary.json, when the run wrote one. */
  summary?: Record<string, unknown>;
}

function fail(file: string, message: string): never {
  throw new SpecError([{ loc: { file, line: 1, col: 1 }, message }]);
}

/** The model saved in RUN/model (RUN may also name the model folder itself). */
export function loadRunModel(runDir: string): LoadedModel {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory())
    fail(runDir, 'is not a run folder; expected the folder a `pinn solve` wrote (it holds model/)');
  const dir = existsSync(join(runDir, MANIFEST_FILE)) ? runDir : join(runDir, MODEL_DIR);
  const read = (name: string): Buffer => {
    const path = join(dir, name);
    try {
      return readFileSync(path);
    } catch {
      return fail(
        path,
        `cannot read the model file; expected ${MODEL_DIR}/${name} as written by \`pinn solve\` (was the run made with output.formats lacking the model, or interrupted?)`,
      );
    }
  };
  try {
    const { manifest, tensors } = readModelFiles(
      {
        manifest: read(MANIFEST_FILE).toString('utf8'),
        topology: read(TOPOLOGY_FILE).toString('utf8'),
        weights: read(WEIGHTS_FILE),
      },
      dir,
    );
    const { model, view } = modelFromArtifacts(manifest, tensors);
    return { runDir, manifest, model, view };
  } catch (err) {
    if (err instanceof SpecError) throw err;
    return fail(dir, (err as Error).message);
  }
}

/**
 * The model, the resolved spec and the rebuilt problem. Data files named in the
 * spec are looked up beside the original spec (recorded in summary.json as
 * `spec_file`), else in the run folder.
 */
export function loadRun(runDir: string): LoadedRun {
  const loaded = loadRunModel(runDir);
  const specPath = join(runDir, MODEL_DIR, SPEC_FILE);
  const altPath = join(runDir, SPEC_FILE);
  const path = existsSync(specPath) ? specPath : altPath;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return fail(path, 'cannot read the resolved spec of the run');
  }
  let summary: Record<string, unknown> | undefined;
  try {
    summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    summary = undefined;
  }
  const spec = loadSpecText(text, path);
  const original = typeof summary?.['spec_file'] === 'string' ? (summary['spec_file'] as string) : undefined;
  // buildProblem resolves data files against spec.file's folder.
  if (original && isAbsolute(original) && existsSync(original)) spec.file = original;
  else spec.file = resolve(runDir, SPEC_FILE);
  const problem = buildProblem(spec);
  return { ...loaded, spec, problem, summary };
}

/** Frees the tensors of a loaded model. */
export function disposeLoadedModel(m: LoadedModel): void {
  m.model.net.weights.forEach((v) => v.dispose());
  m.model.net.biases.forEach((v) => v.dispose());
  m.model.net.fourier?.dispose();
  m.model.unknowns.forEach((v) => v.dispose());
}

/**
 * The layers of src/, bottom to top. A folder may import only from folders below it, only
 * through their index.ts, and no import cycle is allowed anywhere (type-only imports included).
 * docs/architecture.md draws the same order.
 */
const LAYERS = [
  'util',
  'backend',
  'kernels',
  'expr',
  'spec',
  'derivatives',
  'problem',
  'model',
  'residuals',
  'strategies',
  'trainer',
  'outputs',
  'verify',
  'run',
  'sweep',
  'cli',
];

const above = (i) => LAYERS.slice(i + 1).join('|');

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `no-upward-from-${layer}`,
      comment: `${layer}/ sits below ${LAYERS.slice(i + 1).join(', ')} (see docs/architecture.md): it may not import them`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${above(i)})/` },
    })),
    {
      name: 'only-through-index',
      comment: 'another folder is reached through its index.ts, never through its internals',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-cycles',
      comment: 'an import cycle (type-only imports count) hides which module depends on which',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'known-folders-only',
      comment: 'a new top folder of src/ must be placed in LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${LAYERS.join('|')})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};

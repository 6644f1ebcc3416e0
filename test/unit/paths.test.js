import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortestPath } from '../../dist/util/index.js';

test('a path is written relative to the folder that makes it shortest, else as given', () => {
  const spec = '/home/ada/project/problems/poisson-2d.yaml';
  // From the project: shorter than from the run folder two levels down.
  assert.equal(
    shortestPath(spec, ['/home/ada/project/runs/poisson-2d', '/home/ada/project']),
    'problems/poisson-2d.yaml',
  );
  // A spec beside its run folder.
  assert.equal(shortestPath('/data/study/spec.yaml', ['/data/study/run', '/']), '../spec.yaml');
  // Nothing shorter: the absolute path stays.
  assert.equal(shortestPath('/a/b.yaml', ['/x/y/z/w']), '/a/b.yaml');
  assert.equal(shortestPath('/a/b.yaml', []), '/a/b.yaml');
});

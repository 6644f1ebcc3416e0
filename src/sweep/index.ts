/** `pinn sweep`: sweep files, shards, running cases as processes, collecting and tabulating results. */
export { CollectError, collectResults } from './collect.js';
export { planSweep, readSweepFile, showValue } from './file.js';
export { countsLine, LOG_FILE, logTail, markdownTable, type Results } from './results.js';
export { runSweep } from './run.js';
export { parseShard, ShardError, shardFromEnv, shardMatrix, type Shard } from './shard.js';
export { plainStatus, ttyStatus } from './status.js';

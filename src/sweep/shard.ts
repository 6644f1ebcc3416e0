/**
 * Splitting a sweep over machines: shard i of n takes the cases whose 0-based
 * index is i-1 modulo n, so shards are disjoint, together complete, and the
 * same on every machine; neighbouring cases (often of similar cost) spread out.
 */
export interface Shard {
  index: number;
  count: number;
}

export class ShardError extends Error {}

/** `i/n` with 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`--shard '${text}' is not i/n; expected e.g. --shard 2/4 (the 2nd of 4 parts)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new ShardError(`--shard ${text}: expected 1 <= i <= n`);
  return { index, count };
}

/** The shard of a Kubernetes Indexed Job pod: JOB_COMPLETION_INDEX (0-based) of `count`. */
export function shardFromEnv(count: number, env: NodeJS.ProcessEnv = process.env): Shard {
  const raw = env['JOB_COMPLETION_INDEX'];
  if (raw === undefined || raw.trim() === '')
    throw new ShardError(
      '--shard-count needs JOB_COMPLETION_INDEX in the environment (set by Kubernetes Indexed Jobs); use --shard i/n elsewhere',
    );
  if (!/^\d+$/.test(raw.trim())) throw new ShardError(`JOB_COMPLETION_INDEX '${raw}' is not a whole number`);
  const k = Number(raw.trim());
  if (!Number.isInteger(count) || count < 1)
    throw new ShardError(`--shard-count ${count}: expected a whole number >= 1`);
  if (k >= count)
    throw new ShardError(`JOB_COMPLETION_INDEX ${k} is outside --shard-count ${count} (expected 0..${count - 1})`);
  return { index: k + 1, count };
}

function inShard(caseIndex: number, shard: Shard): boolean {
  return caseIndex % shard.count === shard.index - 1;
}

export function shardCases<T extends { index: number }>(cases: T[], shard: Shard | undefined): T[] {
  return shard ? cases.filter((c) => inShard(c.index, shard)) : cases;
}

/** A GitHub Actions matrix (`include` rows), one row per non-empty shard. */
export function shardMatrix(
  cases: { index: number; id: string }[],
  count: number,
): { include: { shard: string; index: number; count: number; cases: number }[] } {
  const include = [];
  for (let i = 1; i <= count; i++) {
    const n = shardCases(cases, { index: i, count }).length;
    if (n > 0) include.push({ shard: `${i}/${count}`, index: i, count, cases: n });
  }
  return { include };
}

/** Human-readable number and duration formats shared by the CLI, sweeps and reports. */

/** Seconds as 12s, 3m05s or 1h02m ('?' when not finite). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

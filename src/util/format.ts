/** Human-readable number and duration formats shared by the CLI, sweeps and reports. */

/** Seconds as 12s, 3m05s or 1h02m ('?' when not finite). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  // Round once, to whole seconds, so 179.6 s reads 3m00s, not 2m60s.
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  const m = Math.floor(whole / 60);
  return m < 60
    ? `${m}m${String(whole - 60 * m).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

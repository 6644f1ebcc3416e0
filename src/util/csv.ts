/** CSV cells (RFC 4180): quoted when they hold a quote, comma or line break, quotes doubled. */
export const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

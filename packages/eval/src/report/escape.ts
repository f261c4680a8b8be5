/**
 * Escaping for text placed in HTML and SVG.
 * @module
 */

/** Escapes `&`, `<`, `>`, `"` and `'` so any string is safe as element text or attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Formats a number for tables: `digits` decimals, `–` for NaN, `∞` for infinities. */
export function formatNumber(x: number, digits = 3): string {
  if (Number.isNaN(x)) return '–';
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (x === Number.NEGATIVE_INFINITY) return '−∞';
  return x.toFixed(digits);
}

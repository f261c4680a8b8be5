/**
 * The confusion matrix as a shaded grid with counts and row percentages.
 * @module
 */
import { escapeHtml } from '../escape.js';

/**
 * Renders a confusion matrix (rows = true class, columns = predicted class) as an inline
 * `<svg class="figure">`; cells are shaded by their share of the row.
 */
export function confusionMatrixSvg(
  classes: readonly string[],
  matrix: readonly (readonly number[])[],
): string {
  const n = classes.length;
  const cell = Math.max(48, Math.min(90, 360 / Math.max(1, n)));
  const left = 120;
  const top = 56;
  const width = left + n * cell + 16;
  const height = top + n * cell + 40;
  let s = `<text x="${width / 2}" y="18" text-anchor="middle" class="title">Confusion matrix</text>`;
  s += `<text x="${left + (n * cell) / 2}" y="38" text-anchor="middle" class="label">predicted</text>`;
  s += `<text transform="translate(14 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle" class="label">true</text>`;
  matrix.forEach((row, a) => {
    const total = row.reduce((x, y) => x + y, 0);
    s += `<text x="${left - 6}" y="${top + a * cell + cell / 2 + 4}" text-anchor="end">${escapeHtml(classes[a] ?? '')}</text>`;
    row.forEach((v, b) => {
      const share = total > 0 ? v / total : 0;
      const x = left + b * cell;
      const y = top + a * cell;
      const fill = `rgba(0, 114, 178, ${(0.08 + 0.85 * share).toFixed(3)})`;
      const ink = share > 0.55 ? '#fff' : '#111';
      s += `<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"/>`;
      s += `<text x="${x + cell / 2 - 1}" y="${y + cell / 2}" text-anchor="middle" fill="${ink}" class="count">${v}</text>`;
      s += `<text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 15}" text-anchor="middle" fill="${ink}" class="small">${(100 * share).toFixed(0)}%</text>`;
    });
  });
  classes.forEach((c, b) => {
    s += `<text x="${left + b * cell + cell / 2 - 1}" y="${top + n * cell + 14}" text-anchor="middle">${escapeHtml(c)}</text>`;
  });
  return `<svg class="figure" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Confusion matrix">${s}</svg>`;
}

/**
 * Tables the way notation prints them: Go's `text/tabwriter` with padding 3 and every cell
 * (the last one too) padded to its column's width, so `key list`, `cert list` and `plugin list`
 * match notation's output byte for byte.
 * @module
 */

/** Formats rows (the first is the header) into padded lines, each ending in `\n`. */
export function goTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows
    .map(
      (row) =>
        `${row.map((cell, i) => cell.padEnd((widths[i] ?? 0) + 3 + cell.length - [...cell].length)).join('')}\n`,
    )
    .join('');
}

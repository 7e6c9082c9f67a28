import type { RunReport } from '../verdict.js';
import type { Style } from './console.js';

/**
 * The console's closing table: one row per guarantee, one column per provider, each cell `held`, `BROKEN` or `unknown`
 * (not judged) with the number of deliveries it took (`-` where a provider has no scenario for the guarantee).
 */
export function summaryTable(reports: readonly RunReport[], style: Style): string {
  const rows = [...new Set(reports.flatMap((r) => r.results.map((v) => v.guarantee)))];
  if (rows.length === 0) return '';
  const header = ['guarantee', ...reports.map((r) => r.provider)];
  const body = rows.map((guarantee) => [
    guarantee,
    ...reports.map((report) => {
      const verdict = report.results.find((v) => v.guarantee === guarantee);
      if (verdict === undefined) return '-';
      const word = verdict.status === 'pass' ? 'held' : verdict.status === 'fail' ? 'BROKEN' : 'unknown';
      return `${word} (${verdict.deliveries})`;
    }),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[], paint: (cell: string, column: number) => string) =>
    `  ${row.map((cell, column) => paint(cell.padEnd(widths[column] ?? 0), column)).join('  ')}`.trimEnd();
  return [
    line(header, (cell) => style.bold(cell)),
    line(
      widths.map((w) => '-'.repeat(w)),
      (cell) => style.dim(cell),
    ),
    ...body.map((row) =>
      line(row, (cell, column) => {
        if (column === 0) return cell;
        return cell.startsWith('held') ? style.ok(cell) : cell.startsWith('BROKEN') ? style.bad(cell) : style.dim(cell);
      }),
    ),
  ].join('\n');
}

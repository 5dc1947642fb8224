/**
 * Backing services for local development and tests.
 *
 *   npx tsx infra/launcher/cli.ts up [--only kafka,mongo,...]   start what is missing, print table + exports
 *   npx tsx infra/launcher/cli.ts ensure [--only ...]           the same, silent unless something fails
 *   npx tsx infra/launcher/cli.ts status
 *   npx tsx infra/launcher/cli.ts down
 *
 * The table goes to stderr and the `export` lines to stdout: `eval "$(npx tsx infra/launcher/cli.ts up)"`.
 */
import { LaunchError, SERVICES, launch, statusServices, stopServices, servicesJson } from './index';
import { errorText } from './process';
import { exportLines, formatTable } from './report';
import type { ServiceName } from './types';

function parseOnly(args: string[]): ServiceName[] | undefined {
  const i = args.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const value = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  return (value ?? '').split(',').filter(Boolean) as ServiceName[];
}

async function up(args: string[], quiet: boolean) {
  const result = await launch({ only: parseOnly(args), quiet });
  if (quiet) return;
  process.stderr.write(`${formatTable(result.reports, result.seconds)}  (${result.mode})\n`);
  process.stderr.write(`wrote ${servicesJson()}\n`);
  process.stdout.write(`${exportLines(result.urls, SERVICES)}\n`);
}

async function down() {
  const stopped = await stopServices();
  process.stderr.write(stopped.length > 0 ? `stopped ${stopped.join(', ')}\n` : 'nothing to stop\n');
}

async function status() {
  const rows = await statusServices();
  const lines = rows.map((r) =>
    [
      r.name.padEnd(11),
      r.url.padEnd(28),
      (r.healthy ? 'up' : 'down').padEnd(5),
      r.external ? 'external' : r.pid ? `pid ${r.pid}` : r.healthy ? 'not started by the launcher' : '',
    ]
      .join(' ')
      .trimEnd(),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  switch (command) {
    case 'up':
      await up(args, false);
      return 0;
    case 'ensure':
      await up(args, true);
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      await status();
      return 0;
    default:
      process.stderr.write('usage: cli.ts up|ensure|down|status [--only kafka,mongo,redis,stripe,prometheus]\n');
      return command === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof LaunchError) {
      process.stderr.write(`${formatTable(err.reports)}\n\nerror: ${err.message}\n`);
    } else {
      process.stderr.write(`error: ${errorText(err)}\n`);
    }
    process.exit(1);
  },
);

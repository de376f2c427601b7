// --backend (dcsgw's own flag) taken off the command line before etcd's or Consul's flags are
// parsed. Kept apart from ./backend-flag.ts so that reading the flag does not load the adapters
// (Redis, etcd and Consul clients) on every start that does not use one.
import { CliExit } from './config.js';

/** argv without --backend (in any of Go's flag spellings), and its value (or DCSGW_BACKEND's). */
export function takeBackendFlag(argv: readonly string[], env: NodeJS.ProcessEnv): { argv: string[]; backend: string | undefined } {
  const rest: string[] = [];
  let backend: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--?backend(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    if (m[1] !== undefined) backend = m[1];
    else if (i + 1 < argv.length) backend = argv[++i];
    else throw new CliExit(2, 'flag needs an argument: -backend\n'); // Go's flag package's words and exit code
  }
  if (backend === undefined && env.DCSGW_BACKEND) backend = env.DCSGW_BACKEND;
  return { argv: rest, backend: backend === '' ? undefined : backend };
}

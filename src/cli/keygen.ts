// `dcsgw keygen` is `consul keygen`: a new gossip encryption key (32 random bytes, base64) for
// `encrypt` / `-encrypt` on every agent of a cluster (src/native/cluster/transport-tls-gossip.ts).
import { randomBytes } from 'node:crypto';

const HELP = `Usage: dcsgw keygen

  Generates a new encryption key that can be used to configure the
  agent to encrypt traffic. The output of this command is already
  in the proper format that the agent expects.
`;

export function runKeygen(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  if (args.some((a) => a === '-h' || a === '-help' || a === '--help')) return { code: 0, stdout: HELP, stderr: '' };
  if (args.length > 0) return { code: 1, stdout: '', stderr: `This command takes no arguments\n${HELP}` };
  return { code: 0, stdout: `${randomBytes(32).toString('base64')}\n`, stderr: '' };
}

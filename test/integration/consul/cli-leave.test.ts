// `dcsgw leave` (and `dcsgw consul leave`) as `consul leave`: the agent at -http-addr /
// CONSUL_HTTP_ADDR leaves gracefully and exits 0, the command prints "Graceful leave complete";
// without an agent there, the consul CLI's "Error leaving: Put ...: dial tcp ...: connection refused".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, repoRoot, spawnManaged, stopAllProcesses, waitFor } from '../../support/index.js';

const PORTS = { from: 22800, to: 22849 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-leave-'));
const bin = join(repoRoot(), 'bin', 'dcsgw');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; out: string }> {
  const p = spawnManaged(bin, args, { env: { ...process.env, ...env } });
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('dcsgw leave', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the agent leave and exit; refuses as the consul CLI does when nobody is there', async () => {
    const [http, server, serf, free] = await allocatePorts(4, PORTS);
    const agent = spawnManaged(bin, ['agent', '-dev', '-node', 'leaver', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', '-1', '-server-port', String(server), '-serf-lan-port', String(serf)]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${http}/v1/status/leader`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, what: () => `agent\n${agent.output()}` });
    expect(await run(['leave'], { CONSUL_HTTP_ADDR: `127.0.0.1:${http}` })).toEqual({ code: 0, out: 'Graceful leave complete\n' });
    expect(await agent.exited).toBe(0);
    expect(await run(['consul', 'leave', `-http-addr=127.0.0.1:${free}`])).toEqual({
      code: 1,
      out: `Error leaving: Put "http://127.0.0.1:${free}/v1/agent/leave": dial tcp 127.0.0.1:${free}: connect: connection refused\n`,
    });
  }, 60_000);
});

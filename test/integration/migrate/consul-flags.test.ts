// `dcsgw migrate` and a Consul cluster's own Flags: what plain Consul clients of the cluster set is
// what the migration carries, and what it writes there is what they read. The cluster is dcsgw's
// Consul face (`dcsgw agent -dev`, consul-adapter/consul-agent.ts; no genuine Consul here), and
// only its HTTP API is used on that side, as a genuine Consul client would.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDcsgwBuild, stopAllProcesses } from '../../support/index.js';
import { startConsulAgent, type ConsulAgentProcess } from '../consul-adapter/consul-agent.js';
import { removeTempDirs, runDcsgw, tempDir } from './migrate-support.js';

/** consul lock's flag value, 0x2ddccbc058a50c18: above 2^53, so every digit must survive. */
const LOCK_FLAG = '3304740253564472344';

describe.skipIf(!hasDcsgwBuild())('dcsgw migrate carries the Flags of a Consul cluster', () => {
  let consul: ConsulAgentProcess;
  const rawFlags = async (key: string): Promise<string | undefined> => {
    const res = await fetch(`${consul.url}/v1/kv/${key}`);
    return res.status === 404 ? undefined : /"Flags":\s*(\d+)/.exec(await res.text())?.[1];
  };

  beforeAll(async () => {
    consul = await startConsulAgent('migrate-flags');
  });
  afterAll(async () => {
    await stopAllProcesses();
    removeTempDirs();
  });

  it('flags set by plain Consul clients leave in the export; flags imported land in Consul Flags', async () => {
    const cwd = tempDir('consul-flags');
    for (const [key, flags] of [
      ['plain/k1', '77'],
      ['plain/k2', '0'],
      ['plain/lock', LOCK_FLAG],
    ]) {
      const res = await fetch(`${consul.url}/v1/kv/${key}?flags=${flags}`, { method: 'PUT', body: `v-${key}` });
      expect(await res.text()).toMatch(/^true/);
    }
    const out = join(cwd, 'out.json');
    const exported = await runDcsgw(['migrate', `consul://${consul.address}`, `file:${out}`, '--prefix', 'plain/'], cwd);
    expect(exported.code, exported.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    const flagsOf = (key: string) => new RegExp(`"key": "${key}",\\n\\t\\t"flags": (\\d+)`).exec(text)?.[1];
    expect([flagsOf('plain/k1'), flagsOf('plain/k2'), flagsOf('plain/lock')]).toEqual(['77', '0', LOCK_FLAG]);

    // the other way: a consul kv export file into the cluster, read back by a plain Consul client
    const input = join(cwd, 'in.json');
    const entries = [
      { key: 'imp/a', flags: '42', value: Buffer.from('A').toString('base64') },
      { key: 'imp/lock', flags: LOCK_FLAG, value: Buffer.from('L').toString('base64') },
      { key: 'imp/zero', flags: '0', value: Buffer.from('Z').toString('base64') },
    ];
    writeFileSync(input, `[\n${entries.map((e) => `\t{\n\t\t"key": "${e.key}",\n\t\t"flags": ${e.flags},\n\t\t"value": "${e.value}"\n\t}`).join(',\n')}\n]\n`);
    const imported = await runDcsgw(['migrate', `file:${input}`, `consul://${consul.address}`, '--prefix', 'imp/'], cwd);
    expect(imported.code, imported.stderr).toBe(0);
    expect([await rawFlags('imp/a'), await rawFlags('imp/lock'), await rawFlags('imp/zero')]).toEqual(['42', LOCK_FLAG, '0']);
  });
});

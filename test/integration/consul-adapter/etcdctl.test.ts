// `dcsgw --backend consul://...` as a user runs it: the dcsgw binary in front of a Consul server
// (dcsgw's own Consul face, `bin/dcsgw agent -dev`, as a second process: no genuine Consul server
// can be had here), driven with genuine etcdctl: put/get/del, txn, watch, lease, and the errors
// for what Consul cannot do. What etcdctl sees is checked against what a Consul client of the
// backing server sees: the same key, its revision = Consul's ModifyIndex, a lease = a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, hasDcsgwBuild, skipUnlessBinaries, startDcsgw, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';
import { CONSUL_ADAPTER_PORTS, startConsulAgent, type ConsulAgentProcess } from './consul-agent.js';

interface Entry {
  Key: string;
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  Session?: string;
}

describe.skipIf(skipUnlessBinaries('etcdctl') || !hasDcsgwBuild())('dcsgw --backend consul:// (the binary, genuine etcdctl)', () => {
  let backing: ConsulAgentProcess;
  let gw: RunningMember;
  let faceUrl: string;
  const ctl = (args: string[], opts: Parameters<typeof etcdctl>[2] = {}) => etcdctl(gw.endpoints, args, opts);
  /** What a Consul client of the backing server reads. */
  const consulKv = async (key: string): Promise<Entry | undefined> => {
    const res = await fetch(`${backing.url}/v1/kv/${key}`);
    return res.status === 404 ? undefined : ((await res.json()) as Entry[])[0];
  };

  beforeAll(async () => {
    backing = await startConsulAgent('backing');
    const [facePort] = await allocatePorts(1, CONSUL_ADAPTER_PORTS);
    faceUrl = `http://127.0.0.1:${facePort}`;
    gw = await startDcsgw({
      portRange: CONSUL_ADAPTER_PORTS,
      name: 'gw',
      extraArgs: ['--backend', `consul://${backing.address}`, '--consul-http-addr', `127.0.0.1:${facePort}`, '--consul-dns-addr', 'off'],
    });
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('put / get / del: the etcd key is the Consul key, revisions are Consul indexes, version is kept beside it (Flags stay free)', async () => {
    expect((await ctl(['put', 'foo', 'bar'])).stdout).toBe('OK\n');
    expect((await ctl(['put', 'foo', 'baz', '--prev-kv'])).stdout).toBe('OK\nfoo\nbar\n');
    const got = JSON.parse((await ctl(['get', 'foo', '-w', 'json'])).stdout) as { header: { revision: number }; kvs: Array<{ create_revision: number; mod_revision: number; version: number; value: string }> };
    const kv = got.kvs[0]!;
    expect(kv.version).toBe(2);
    expect(Buffer.from(kv.value, 'base64').toString()).toBe('baz');
    const entry = await consulKv('foo');
    expect(entry).toMatchObject({ Key: 'foo', Value: Buffer.from('baz').toString('base64'), Flags: 0, CreateIndex: kv.create_revision, ModifyIndex: kv.mod_revision });
    // the version, in dcsgw's shadow entry written in the same Consul transaction as the key
    const shadow = await consulKv('_dcsgw/ver/foo');
    expect(shadow).toMatchObject({ Value: Buffer.from('2').toString('base64'), ModifyIndex: kv.mod_revision });
    expect(got.header.revision).toBeGreaterThanOrEqual(kv.mod_revision);
    // dcsgw's own records under _dcsgw/ are not part of the etcd view
    const keys = (await ctl(['get', '', '--from-key', '--keys-only'])).stdout.split('\n').filter(Boolean);
    expect(keys).toContain('foo');
    expect(keys.some((k) => k.startsWith('_dcsgw/'))).toBe(false);
    expect((await ctl(['del', 'foo', '--prev-kv'])).stdout).toBe('1\nfoo\nbaz\n');
    expect(await consulKv('foo')).toBeUndefined();
    expect((await ctl(['get', 'foo'])).stdout).toBe('');
  });

  it('txn: compares on value and mod revision choose the branch; both writes land at one Consul index', async () => {
    await ctl(['put', 't/a', '1']);
    const rev = (await consulKv('t/a'))!.ModifyIndex;
    const ok = await ctl(['txn'], { input: `value("t/a") = "1"\nmod("t/a") = "${rev}"\n\nput t/b yes\nput t/c yes\n\nput t/b no\n\n` });
    expect(ok.stdout).toBe('SUCCESS\n\nOK\n\nOK\n');
    const [b, c] = [await consulKv('t/b'), await consulKv('t/c')];
    expect(b!.ModifyIndex).toBe(c!.ModifyIndex);
    const no = await ctl(['txn'], { input: `mod("t/a") = "${rev + 1000}"\n\nput t/b yes-again\n\nget t/b\n\n` });
    expect(no.stdout).toBe('FAILURE\n\nt/b\nyes\n');
  });

  it("a txn beyond Consul's 64 operations answers etcd's too-many-operations error", async () => {
    const puts = Array.from({ length: 65 }, (_, i) => `put big/${i} v`).join('\n');
    const res = await ctl(['txn'], { input: `\n${puts}\n\n\n` });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('etcdserver: too many operations in txn request');
    expect((await ctl(['get', 'big/', '--prefix', '--count-only', '-w', 'json'])).stdout).not.toContain('"count"');
  });

  it('watch: puts and deletes in order, including a write a Consul client made directly on the cluster', async () => {
    let seen = '';
    const watch = ctl(['watch', 'w/', '--prefix'], {
      onStdout: (out) => (seen = out),
      interruptWhen: (out) => out.includes('DELETE\nw/1\n'),
      timeoutMs: 60_000,
    });
    // the watch is in place once it shows a put made after it started
    await waitFor(
      async () => {
        if (seen.includes('w/ready')) return true;
        await ctl(['put', 'w/ready', 'x']);
        await new Promise((r) => setTimeout(r, 200));
        return seen.includes('w/ready');
      },
      { what: 'the watch to show w/ready', timeoutMs: 45_000 },
    );
    await ctl(['put', 'w/1', 'a']);
    await fetch(`${backing.url}/v1/kv/w/direct`, { method: 'PUT', body: 'from-consul' });
    await new Promise((r) => setTimeout(r, 300));
    await ctl(['del', 'w/1']);
    const out = (await watch).stdout;
    expect(out).toContain('PUT\nw/1\na\n');
    expect(out).toContain('PUT\nw/direct\nfrom-consul\n');
    expect(out).toContain('DELETE\nw/1\n');
    expect(out.indexOf('PUT\nw/1\n')).toBeLessThan(out.indexOf('DELETE\nw/1\n'));
  }, 120_000);

  it('a put of the value a key already has is a new revision, as on etcd: mod_revision and version move, Consul sees the write, a watch shows it', async () => {
    type Got = { kvs: Array<{ mod_revision: number; version: number }> };
    await ctl(['put', 'same/k', 'v']);
    const before = (JSON.parse((await ctl(['get', 'same/k', '-w', 'json'])).stdout) as Got).kvs[0]!;
    const watch = ctl(['watch', 'same/k', `--rev=${before.mod_revision + 1}`], { interruptWhen: (out) => out.includes('PUT\nsame/k\nv\n'), timeoutMs: 30_000 });
    expect((await ctl(['put', 'same/k', 'v'])).stdout).toBe('OK\n');
    const after = (JSON.parse((await ctl(['get', 'same/k', '-w', 'json'])).stdout) as Got).kvs[0]!;
    expect(after.mod_revision).toBeGreaterThan(before.mod_revision);
    expect(after.version).toBe(before.version + 1);
    expect((await consulKv('same/k'))?.ModifyIndex).toBe(after.mod_revision);
    const seen = await watch;
    expect(seen.timedOut, seen.stderr).toBe(false);
    expect(seen.stdout).toBe('PUT\nsame/k\nv\n');
  });

  it('lease: grant, attach, time-to-live with keys, keep-alive, revoke deletes the key; the lease is a Consul session', async () => {
    const grant = await ctl(['lease', 'grant', '40']);
    const id = /^lease ([0-9a-f]+) granted with TTL\(40s\)$/m.exec(grant.stdout)?.[1];
    expect(id, grant.stdout + grant.stderr).toBeDefined();
    expect((await ctl(['put', '--lease', id!, 'l/k', 'v'])).stdout).toBe('OK\n');
    expect((await ctl(['lease', 'timetolive', id!, '--keys'])).stdout).toMatch(new RegExp(`^lease ${id} granted with TTL\\(40s\\), remaining\\((39|40)s\\), attached keys\\(\\[l/k\\]\\)\\n$`));
    expect((await ctl(['lease', 'keep-alive', '--once', id!])).stdout).toBe(`lease ${id} keepalived with TTL(40)\n`);
    const sessions = (await (await fetch(`${backing.url}/v1/session/list`)).json()) as Array<{ ID: string; Name: string; Behavior: string }>;
    const session = sessions.find((s) => s.Name === `dcsgw-lease:user:${id!.padStart(16, '0')}`);
    expect(session?.Behavior).toBe('delete');
    expect((await consulKv('l/k'))?.Session).toBe(session!.ID);
    expect((await ctl(['lease', 'revoke', id!])).stdout).toBe(`lease ${id} revoked\n`);
    expect((await ctl(['get', 'l/k'])).stdout).toBe('');
    expect(await consulKv('l/k')).toBeUndefined();
  });

  it('what Consul cannot do answers an explicit error', async () => {
    await ctl(['put', 'h/k', 'old']);
    const old = (await consulKv('h/k'))!.ModifyIndex;
    await ctl(['put', 'h/k', 'new']);
    expect((await ctl(['get', 'h/k', `--rev=${old}`])).stderr).toContain('etcdserver: mvcc: required revision has been compacted');
    expect((await ctl(['compaction', String(old)])).stderr).toContain('dcsgw: compaction (Consul keeps no history: only the latest value of each key exists) is not available on the Consul backend');
    expect((await ctl(['put', '_dcsgw/x', 'v'])).stderr).toContain('dcsgw: keys beginning with "_dcsgw/" are reserved');
    expect((await ctl(['member', 'add', 'm2', '--peer-urls=http://127.0.0.1:11999'])).stderr).toContain('is not available on the Consul backend');
  });

  it("dcsgw's Consul face over Consul: a KV PUT with flags through dcsgw is one record for etcdctl and for the cluster", async () => {
    const put = await fetch(`${faceUrl}/v1/kv/app/cfg?flags=42`, { method: 'PUT', body: 'hello' });
    expect(await put.text()).toMatch(/^true/);
    const read = (await (await fetch(`${faceUrl}/v1/kv/app/cfg`)).json()) as Entry[];
    expect(read[0]).toMatchObject({ Key: 'app/cfg', Flags: 42, Value: Buffer.from('hello').toString('base64') });
    expect((await ctl(['get', 'app/cfg'])).stdout).toBe('app/cfg\nhello\n');
    // on the cluster: the user key, and its Consul metadata under dcsgw's system prefix
    expect(await consulKv('app/cfg')).toMatchObject({ ModifyIndex: read[0]!.ModifyIndex, Flags: 42 });
  });

  /** The Flags of a key as a plain Consul client of `url` reads them, every digit (uint64). */
  const rawFlags = async (url: string, key: string): Promise<string | undefined> => {
    const res = await fetch(`${url}/v1/kv/${key}`);
    return res.status === 404 ? undefined : /"Flags":\s*(\d+)/.exec(await res.text())?.[1];
  };

  it("Consul flags are the backing Consul's own Flags: set through dcsgw's Consul face, by a plain Consul client, kept by etcd writes", async () => {
    // through the gateway's Consul face: what the backing Consul holds in Flags, every digit of a uint64
    const lockFlag = '3304740253564472344'; // 0x2ddccbc058a50c18, consul lock's
    expect(await (await fetch(`${faceUrl}/v1/kv/fl/lock?flags=${lockFlag}`, { method: 'PUT', body: 'holder' })).text()).toMatch(/^true/);
    expect(await rawFlags(backing.url, 'fl/lock')).toBe(lockFlag);
    expect(await rawFlags(faceUrl, 'fl/lock')).toBe(lockFlag);
    // no second copy of them: a metadata record holding nothing but flags is not kept
    expect(await consulKv('_dcsgw/sys/kv/fl/lock')).toBeUndefined();
    // set directly on the backing Consul: seen through the gateway's face (single key and listing), version 1 for etcd
    expect(await (await fetch(`${backing.url}/v1/kv/fl/plain?flags=77`, { method: 'PUT', body: 'theirs' })).text()).toMatch(/^true/);
    expect(await rawFlags(faceUrl, 'fl/plain')).toBe('77');
    const listed = (await (await fetch(`${faceUrl}/v1/kv/fl/?recurse`)).json()) as Entry[];
    expect(listed.map((e) => [e.Key, e.Flags])).toEqual([
      ['fl/lock', Number(lockFlag)],
      ['fl/plain', 77],
    ]);
    const got = JSON.parse((await ctl(['get', 'fl/plain', '-w', 'json'])).stdout) as { kvs: Array<{ version: number }> };
    expect(got.kvs[0]!.version).toBe(1);
    // an etcd write keeps the key's Consul flags (as on dcsgw's own store); the version counts on
    await ctl(['put', 'fl/plain', 'mine']);
    expect(await rawFlags(backing.url, 'fl/plain')).toBe('77');
    const after = JSON.parse((await ctl(['get', 'fl/plain', '-w', 'json'])).stdout) as { kvs: Array<{ version: number }> };
    expect(after.kvs[0]!.version).toBe(2);
    // a Consul-face PUT without ?flags sets them to 0, as Consul does
    await fetch(`${faceUrl}/v1/kv/fl/plain`, { method: 'PUT', body: 'again' });
    expect(await rawFlags(backing.url, 'fl/plain')).toBe('0');
    expect(await rawFlags(faceUrl, 'fl/plain')).toBe('0');
    // changed again on the backing Consul (a CAS by a plain client): the face sees the new flags
    const idx = (await consulKv('fl/plain'))!.ModifyIndex;
    expect(await (await fetch(`${backing.url}/v1/kv/fl/plain?flags=9&cas=${idx}`, { method: 'PUT', body: 'again' })).text()).toMatch(/^true/);
    expect(await rawFlags(faceUrl, 'fl/plain')).toBe('9');
    // versions: dcsgw's writes counted exactly (2: etcdctl, 3: the Consul face), the plain client's write counted once
    const last = JSON.parse((await ctl(['get', 'fl/plain', '-w', 'json'])).stdout) as { kvs: Array<{ version: number }> };
    expect(last.kvs[0]!.version).toBe(4);
  });

  it("a lock through dcsgw's Consul face keeps its session in dcsgw's record and its flags in the backing Consul's Flags", async () => {
    const session = ((await (await fetch(`${faceUrl}/v1/session/create`, { method: 'PUT', body: '{"TTL":"30s"}' })).json()) as { ID: string }).ID;
    expect(await (await fetch(`${faceUrl}/v1/kv/fl/lk?acquire=${session}&flags=5`, { method: 'PUT', body: 'held' })).text()).toMatch(/^true/);
    const held = ((await (await fetch(`${faceUrl}/v1/kv/fl/lk`)).json()) as Array<Entry & { LockIndex: number }>)[0]!;
    expect(held).toMatchObject({ Flags: 5, Session: session, LockIndex: 1 });
    expect(await rawFlags(backing.url, 'fl/lk')).toBe('5');
    expect(await (await fetch(`${faceUrl}/v1/kv/fl/lk?release=${session}&flags=6`, { method: 'PUT', body: 'free' })).text()).toMatch(/^true/);
    const released = ((await (await fetch(`${faceUrl}/v1/kv/fl/lk`)).json()) as Array<Entry & { LockIndex: number }>)[0]!;
    expect(released.Session).toBeUndefined();
    expect(released).toMatchObject({ Flags: 6, LockIndex: 1 });
    expect(await rawFlags(backing.url, 'fl/lk')).toBe('6');
  });
});

// /v1/snapshot on the Consul face over the native store: GET saves the whole store (both
// keyspaces) as a gzip'd tar shaped like Consul's (meta.json, state.bin, SHA256SUMS, readable by
// GNU tar); PUT restores it through raft; damaged archives, archives not taken by dcsgw and other
// methods get clear errors.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSnapshotArchive } from '../../../src/gateway/consul/snapshot-archive.js';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { putReq, rangeReq } from './helpers.js';

const SYS = { keyspace: 'system' } as const;
let face: ConsulFace;
const work = mkdtempSync(join(tmpdir(), 'dcsgw-consul-snap-'));

beforeAll(async () => {
  face = await startConsulFace();
});
afterAll(async () => {
  await face.close();
  rmSync(work, { recursive: true, force: true });
});

const save = () => fetch(`${face.url}/v1/snapshot`);
const restore = (body: Buffer) => fetch(`${face.url}/v1/snapshot`, { method: 'PUT', body: new Uint8Array(body) });
const value = async (key: string, system = false) =>
  (await face.backend.range(rangeReq(key, system ? SYS : {}))).kvs[0]?.value.toString();

describe('/v1/snapshot', () => {
  let archive: Buffer;
  let savedAt = 0;

  it('GET answers a verifiable gzip tar of the whole store at its index', async () => {
    await face.backend.put(putReq('app/config', 'v1'));
    await face.backend.put(putReq('kv/app/config', '{"Flags":3}', SYS));
    savedAt = (await face.backend.put(putReq('session/abc', '{"ID":"abc"}', SYS))).header.revision;
    const res = await save();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-gzip');
    expect(res.headers.get('x-consul-index')).toBe(String(savedAt));
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    archive = Buffer.from(await res.arrayBuffer());

    // GNU tar reads it; SHA256SUMS matches the files it names, as `consul snapshot save` verifies.
    const dir = join(work, 'extracted');
    writeFileSync(join(work, 'backup.snap'), archive);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('tar', ['-xzf', join(work, 'backup.snap'), '-C', dir]);
    expect(readdirSync(dir).sort()).toEqual(['SHA256SUMS', 'meta.json', 'state.bin']);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    for (const name of ['meta.json', 'state.bin']) {
      const digest = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
      expect(sums).toContain(`${digest}  ${name}\n`);
    }
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { Index: number; Term: number; Version: number; Size: number };
    expect(meta.Index).toBe(savedAt);
    expect(meta.Version).toBe(1);
    expect(meta.Term).toBeGreaterThan(0);
    expect(meta.Size).toBe(readFileSync(join(dir, 'state.bin')).length);
  });

  it('PUT restores both keyspaces as they were, and revisions keep moving forward', async () => {
    await face.backend.put(putReq('app/config', 'v2'));
    await face.backend.deleteRange({ ...SYS, key: Buffer.from('session/abc'), rangeEnd: Buffer.alloc(0), prevKv: false });
    await face.backend.put(putReq('app/added-later', 'x'));
    const before = face.backend.header().revision;
    const res = await restore(archive);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await value('app/config')).toBe('v1');
    expect(await value('app/added-later')).toBeUndefined();
    expect(await value('kv/app/config', true)).toBe('{"Flags":3}');
    expect(await value('session/abc', true)).toBe('{"ID":"abc"}');
    expect(face.backend.header().revision).toBeGreaterThanOrEqual(before);
    const next = await face.backend.put(putReq('app/after-restore', 'y'));
    expect(next.header.revision).toBe(face.backend.header().revision);
    expect(next.header.revision).toBeGreaterThan(before);
  });

  it('refuses damaged archives and archives not taken by dcsgw, changing nothing', async () => {
    const tampered = gunzipSync(archive);
    const at = tampered.indexOf(Buffer.from('DCSMVCC1'));
    expect(at).toBeGreaterThan(0);
    tampered[at + 40] = tampered[at + 40]! ^ 0xff;
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('definitely not gzip'), /^failed to decompress snapshot/],
      [gzipSync(tampered), /^hash check failed for "state\.bin"$/],
      [writeSnapshotArchive(Buffer.from('a Consul FSM stream'), 9, 2), /not taken by dcsgw; restoring a genuine Consul snapshot is not supported/],
      [Buffer.alloc(0), /^failed to decompress snapshot/],
    ];
    for (const [body, message] of cases) {
      const res = await restore(body);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(message);
    }
    expect(await value('app/after-restore')).toBe('y');
  });

  it('answers 405 with the allowed methods for anything but GET and PUT', async () => {
    const res = await fetch(`${face.url}/v1/snapshot`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET,PUT');
    expect(await res.text()).toBe('method DELETE not allowed');
  });

  it('names no other datacenter', async () => {
    const res = await fetch(`${face.url}/v1/snapshot?dc=elsewhere`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('No path to datacenter');
  });
});

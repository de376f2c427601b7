// Genuine etcdctl run with the same arguments against dcsgw (in front of some backend) and against
// a genuine etcd, for suites that check dcsgw answers as etcd does: the answers compared once the
// IDs and terms that differ between any two clusters are masked.
import { expect } from 'vitest';
import { etcdctl, type EtcdctlOptions, type EtcdctlResult } from './etcdctl.js';
import type { RunningMember } from './members.js';

/** Masks cluster/member IDs, raft terms and lease IDs (JSON numbers and etcdctl's hex). */
export function normaliseIds(text: string): string {
  return text
    .replace(/"(cluster_id|member_id|raft_term|ID|leader)":\d+/g, '"$1":<id>')
    .replace(/\b[0-9a-f]{12,16}\b/g, '<hex-id>');
}

export interface SideBySide {
  /** The same command on both: stdout, and the exit code and stderr (warnings left out) on a failure, normalised. */
  both(args: string[], opts?: EtcdctlOptions): Promise<{ viaDcsgw: string; viaEtcd: string }>;
  /** Each side its own arguments (e.g. its own lease ID): the raw results. */
  each(dcsgwArgs: string[], etcdArgs: string[]): Promise<[EtcdctlResult, EtcdctlResult]>;
}

/** `dcsgw` and `etcd` are read when a command runs (members started in a beforeAll). */
export function sideBySide(dcsgw: () => RunningMember, etcd: () => RunningMember): SideBySide {
  const show = (r: EtcdctlResult) => normaliseIds(`${r.stdout}${r.code !== 0 ? `\n[exit ${r.code}] ${r.stderr.replace(/^\{"level".*\n/gm, '')}` : ''}`);
  const each = (dcsgwArgs: string[], etcdArgs: string[], opts: EtcdctlOptions = {}) => Promise.all([etcdctl(dcsgw().endpoints, dcsgwArgs, opts), etcdctl(etcd().endpoints, etcdArgs, opts)]);
  return {
    async both(args, opts = {}) {
      const [g, d] = await each(args, args, opts);
      return { viaDcsgw: show(g), viaEtcd: show(d) };
    },
    each: (dcsgwArgs, etcdArgs) => each(dcsgwArgs, etcdArgs),
  };
}

/**
 * A lease's life on both (grant, a key attached, time-to-live with keys, keep-alive, list, revoke,
 * the key gone, a second revoke refused): the same answers but for the lease IDs.
 */
export async function expectSameLeaseLife(s: SideBySide): Promise<void> {
  const [gl, dl] = await s.each(['lease', 'grant', '100'], ['lease', 'grant', '100']);
  const gid = /lease ([0-9a-f]+) granted/.exec(gl.stdout)?.[1];
  const did = /lease ([0-9a-f]+) granted/.exec(dl.stdout)?.[1];
  expect(gid, gl.stdout + gl.stderr).toBeDefined();
  expect(did, dl.stdout + dl.stderr).toBeDefined();
  expect(normaliseIds(gl.stdout)).toBe(normaliseIds(dl.stdout));
  const [gp, dp] = await s.each(['put', 'leased', 'v', '--lease', gid!], ['put', 'leased', 'v', '--lease', did!]);
  expect(gp.stdout).toBe(dp.stdout);
  const [gt, dt] = await s.each(['lease', 'timetolive', gid!, '--keys'], ['lease', 'timetolive', did!, '--keys']);
  const remaining = (t: string) => normaliseIds(t).replace(/remaining\(\d+s\)/, 'remaining(n)');
  expect(remaining(gt.stdout)).toBe(remaining(dt.stdout));
  expect(gt.stdout).toContain('attached keys([leased])');
  const [gk, dk] = await s.each(['lease', 'keep-alive', '--once', gid!], ['lease', 'keep-alive', '--once', did!]);
  expect(normaliseIds(gk.stdout)).toBe(normaliseIds(dk.stdout));
  const lists = await s.both(['lease', 'list']);
  expect(lists.viaDcsgw).toBe(lists.viaEtcd);
  const [gr, dr] = await s.each(['lease', 'revoke', gid!], ['lease', 'revoke', did!]);
  expect(normaliseIds(gr.stdout)).toBe(normaliseIds(dr.stdout));
  const gone = await s.both(['get', 'leased']);
  expect(gone.viaDcsgw).toBe(gone.viaEtcd);
  expect(gone.viaDcsgw).toBe('');
  const [ga, da] = await s.each(['lease', 'revoke', gid!], ['lease', 'revoke', did!]);
  expect(ga.stderr).toContain('etcdserver: requested lease not found');
  expect(da.stderr).toContain('etcdserver: requested lease not found');
  expect(ga.code).toBe(da.code);
}

/** Runs each command on both and expects the same answer; returns the answers (dcsgw's) in order. */
export async function expectSameAnswers(s: SideBySide, script: string[][]): Promise<string[]> {
  const answers: string[] = [];
  for (const cmd of script) {
    const r = await s.both(cmd);
    expect(r.viaDcsgw, `etcdctl ${cmd.join(' ')}`).toBe(r.viaEtcd);
    answers.push(r.viaDcsgw);
  }
  return answers;
}

/**
 * After a script that put foo=bar, foo=baz, a=1, b=2, deleted a and compacted at 3: a succeeding
 * and a failing txn, a watch from revision 3 with previous values, and one from the compacted
 * revision 2, the same on both.
 */
export async function expectSameTxnAndWatch(s: SideBySide): Promise<void> {
  const txn = await s.both(['txn', '-w', 'json'], { input: 'value("foo") = "baz"\n\nput x y\nget foo\n\nget b\n\n' });
  expect(txn.viaDcsgw).toBe(txn.viaEtcd);
  expect(txn.viaDcsgw).toContain('"succeeded":true');
  const failing = await s.both(['txn', '-w', 'json'], { input: 'mod("foo") = "1"\n\nput never here\n\nget b\n\n' });
  expect(failing.viaDcsgw).toBe(failing.viaEtcd);
  // proto3 JSON leaves out a false "succeeded"; the failure branch's read is there
  expect(failing.viaDcsgw).not.toContain('"succeeded"');
  expect(failing.viaDcsgw).toContain('"key":"Yg=="');

  const watch = await s.both(['watch', '', '--prefix', '--rev', '3', '--prev-kv'], { interruptWhen: (out) => out.includes('x\ny'), interruptGraceMs: 200, timeoutMs: 20_000 });
  expect(watch.viaDcsgw).toBe(watch.viaEtcd);
  expect(watch.viaDcsgw).toContain('PUT\nfoo\nbaz\nPUT\na\n1');
  expect(watch.viaDcsgw).toContain('DELETE\na\n');
  expect(watch.viaDcsgw).toContain('PUT\nx\ny');
  // etcdctl exits by itself on the compaction; the timeout is only a backstop
  const fromCompacted = await s.both(['watch', 'foo', '--rev', '2'], { timeoutMs: 20_000, interruptAtTimeout: true });
  expect(fromCompacted.viaDcsgw).toBe(fromCompacted.viaEtcd);
}

/**
 * One etcdctl session on both, the same answers throughout: put/get/del (ranges, revisions, sort,
 * limit, count, --ignore-value), compactions, txns, watches, a lease's life, a lock, and the
 * keyspace at the end; the answers are checked to say something (not two identical failures).
 */
export async function expectSameEtcdctlSession(s: SideBySide): Promise<void> {
  const answers = await expectSameAnswers(s, [
    ['put', 'foo', 'bar'],
    ['put', 'foo', 'baz', '--prev-kv'],
    ['get', 'foo', '-w', 'json'],
    ['put', 'a', '1'],
    ['put', 'b', '2'],
    ['get', 'a', 'c', '-w', 'json'],
    ['get', '', '--from-key', '--keys-only'],
    ['get', 'foo', '--rev', '2'],
    ['get', 'foo', '--rev', '99'],
    ['del', 'a', '--prev-kv'],
    ['del', 'nothing'],
    ['get', '', '--prefix', '--sort-by', 'MODIFY', '--order', 'DESCEND', '-w', 'json'],
    ['get', '', '--prefix', '--limit', '1', '-w', 'json'],
    ['get', '', '--prefix', '--count-only', '-w', 'json'],
    ['put', 'foo', '--ignore-value'],
    ['put', 'missing', '--ignore-value'],
    ['compaction', '3'],
    ['get', 'foo', '--rev', '2'],
    ['compaction', '2'],
  ]);
  expect(answers[0]).toBe('OK\n');
  expect(answers[2]).toContain('"value":"YmF6"');
  expect(answers[8]).toContain('etcdserver: mvcc: required revision is a future revision');
  expect(answers[9]).toBe('1\na\n1\n');
  expect(answers[15]).toContain('etcdserver: key not found');
  expect(answers[17]).toContain('etcdserver: mvcc: required revision has been compacted');
  await expectSameTxnAndWatch(s);
  // leases: the IDs differ (masked), the rest must not
  await expectSameLeaseLife(s);
  // the etcd face's Lock service, over the backend's txns, leases and watches
  const lock = await s.both(['lock', 'mylock', 'echo', 'ran-under-lock']);
  expect(lock.viaDcsgw).toBe(lock.viaEtcd);
  expect(lock.viaDcsgw).toBe('ran-under-lock\n');
  const end = await s.both(['get', '', '--from-key', '-w', 'json']);
  expect(end.viaDcsgw).toBe(end.viaEtcd);
}

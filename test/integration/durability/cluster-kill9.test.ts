// kill -9 one member of a 3-member cluster (a seeded pick: often the leader) under write load
// through every member, restart it on its data dir, repeat: every member must hold every
// acknowledged write (same value, same revision) and nothing never written. Runs against genuine
// etcd (the reference) and against dcsgw.
import { afterAll, describe, expect, it } from 'vitest';
import { hasDcsgwBuild, skipUnlessBinaries, startCluster, stopAllProcesses, waitFor, type MemberKind, type RunningMember } from '../../support/index.js';
import { GrpcTarget } from '../../conformance/harness/grpc.js';
import { mulberry32 as prng } from '../../support/prng.js';
import { newWriteLog, runWriters, verify } from './load.js';

const RANGE = { from: 23900, to: 23949 };
const ROUNDS = 3;
const SEED = Number(process.env.DURABILITY_SEED ?? 0xc1a5);

const kinds: MemberKind[] = [];
if (!skipUnlessBinaries('etcd')) kinds.push('etcd');
if (process.env.DURABILITY_DCSGW !== '0' && hasDcsgwBuild()) kinds.push('dcsgw');

async function leaderIndex(members: RunningMember[]): Promise<number> {
  for (const m of members) {
    if (!m.process.alive()) continue;
    const g = new GrpcTarget(`127.0.0.1:${m.clientPort}`);
    const st = await g.unary('Maintenance.Status', {}, 2_000);
    g.close();
    const v = st.value as { leader?: string; header?: { member_id: string } } | undefined;
    if (v?.leader && v.leader !== '0') {
      for (let i = 0; i < members.length; i++) {
        const mi = members[i] as RunningMember;
        const gi = new GrpcTarget(`127.0.0.1:${mi.clientPort}`);
        const si = await gi.unary('Maintenance.Status', {}, 2_000);
        gi.close();
        if ((si.value as { header?: { member_id: string } } | undefined)?.header?.member_id === v.leader) return i;
      }
    }
  }
  return -1;
}

async function hashesAtCommonRevision(members: RunningMember[]): Promise<{ member: string; hash: string }[]> {
  const first = new GrpcTarget(`127.0.0.1:${(members[0] as RunningMember).clientPort}`);
  const r = await first.unary('KV.Range', { key: Buffer.from('cdur/') }, 5_000);
  first.close();
  const rev = (r.value as { header: { revision: string } }).header.revision;
  const out: { member: string; hash: string }[] = [];
  for (const m of members) {
    const g = new GrpcTarget(`127.0.0.1:${m.clientPort}`);
    // a member that restarted may still be applying up to `rev`: retry until it answers for it
    const h = await waitFor(async () => {
      const res = await g.unary('Maintenance.HashKV', { revision: rev }, 5_000);
      return res.error ? undefined : (res.value as { hash: number | string }).hash;
    }, { timeoutMs: 15_000, what: `HashKV at ${rev} on ${m.name}` });
    g.close();
    out.push({ member: m.name, hash: String(h) });
  }
  return out;
}

describe.skipIf(kinds.length === 0)('durability: kill -9 a cluster member under write load', () => {
  afterAll(stopAllProcesses);

  it.each(kinds)('%s: every member keeps every acknowledged write across member crashes', { timeout: 180_000 }, async (kind) => {
    const rand = prng(SEED);
    const log = newWriteLog();
    const members = await startCluster(kind, 3, { portRange: RANGE });
    const originals = [...members];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const writers = members.map((m, i) => runWriters(`127.0.0.1:${m.clientPort}`, 2, `cdur/r${round}/m${i}/`, log, rand));
        const before = log.acked.size;
        await waitFor(() => log.acked.size >= before + 30, { timeoutMs: 30_000, what: `round ${round} writes` });
        await new Promise((r) => setTimeout(r, 100 + Math.floor(rand() * 300)));
        // odd rounds: the leader; even rounds: a seeded pick
        const leader = await leaderIndex(members);
        const victim = round % 2 === 1 && leader >= 0 ? leader : Math.floor(rand() * members.length);
        const dead = members[victim] as RunningMember;
        dead.kill('SIGKILL');
        await dead.process.exited;
        // the survivors keep serving for a moment (a new leader if it was the leader)
        await new Promise((r) => setTimeout(r, 700));
        for (const w of writers) w.stop();
        await Promise.all(writers.map((w) => w.done));
        members[victim] = await dead.restart({ initialClusterState: 'existing' });
        for (const m of members) {
          const verdict = await waitFor(async () => verify(`127.0.0.1:${m.clientPort}`, 'cdur/', log).catch(() => undefined), {
            timeoutMs: 20_000,
            what: `a linearizable read on ${m.name}`,
          });
          const context = `seed=${SEED} round=${round} killed=${dead.name}${victim === leader ? ' (leader)' : ''} read=${m.name} acked=${log.acked.size} issued=${log.issued.size} present=${verdict.present}`;
          if (m === members[0]) console.log(`${kind} cluster kill -9: ${context}`);
          expect(verdict.missingAcked, `acknowledged writes lost (${context})`).toEqual([]);
          expect(verdict.wrongValue, `values differ (${context})`).toEqual([]);
          expect(verdict.neverIssued, `keys never written (${context})`).toEqual([]);
          expect(verdict.wrongRevision, `revisions differ from the acknowledgement (${context})`).toEqual([]);
        }
        // and the members agree on the whole keyspace at one revision (HashKV is per implementation,
        // but must be equal across the members of one cluster)
        const hashes = await hashesAtCommonRevision(members);
        console.log(`${kind} cluster kill -9: round ${round} HashKV per member ${hashes.map((h) => `${h.member}=${h.hash}`).join(' ')}`);
        expect(new Set(hashes.map((h) => h.hash)).size, `HashKV differs between members: ${JSON.stringify(hashes)}`).toBe(1);
      }
    } finally {
      await Promise.all(members.map((m) => m.stop({ keepDataDir: true })));
      await Promise.all(originals.map((m) => m.stop()));
    }
  });
});

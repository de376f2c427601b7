// kill -9 under concurrent write load, restart on the same data dir, repeat: every acknowledged
// write must be there (same value, same revision) and nothing that was never written may appear.
// Runs against genuine etcd (the reference: it must pass there) and against dcsgw.
import { afterAll, describe, expect, it } from 'vitest';
import { hasDcsgwBuild, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, waitFor, type MemberKind, type RunningMember } from '../../support/index.js';
import { mulberry32 as prng } from '../../support/prng.js';
import { newWriteLog, runWriters, verify } from './load.js';

const RANGE = { from: 23850, to: 23899 };
const ROUNDS = 3;
const WRITERS = 4;
const SEED = Number(process.env.DURABILITY_SEED ?? 0xdc5);

const kinds: MemberKind[] = [];
if (!skipUnlessBinaries('etcd')) kinds.push('etcd');
if (process.env.DURABILITY_DCSGW !== '0' && hasDcsgwBuild()) kinds.push('dcsgw');
else console.warn('SKIP: dcsgw not built (node scripts/ensure-ready.mjs); kill -9 durability runs against genuine etcd only');

describe.skipIf(kinds.length === 0)('durability: kill -9 under write load', () => {
  afterAll(stopAllProcesses);

  it.each(kinds)('%s keeps every acknowledged write across SIGKILL restarts', { timeout: 120_000 }, async (kind) => {
    const rand = prng(SEED);
    const log = newWriteLog();
    let member: RunningMember = await startMemberOfKind(kind, { name: 'dur', portRange: RANGE });
    const first = member;
    const address = `127.0.0.1:${member.clientPort}`;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const writers = runWriters(address, WRITERS, `dur/r${round}/`, log, rand);
        const before = log.acked.size;
        // kill at a seeded moment, but only once this round has had writes acknowledged
        await waitFor(() => log.acked.size >= before + 20, { timeoutMs: 20_000, what: `round ${round} writes` });
        await new Promise((r) => setTimeout(r, 100 + Math.floor(rand() * 400)));
        member.kill('SIGKILL');
        await member.process.exited;
        writers.stop();
        await writers.done;
        member = await member.restart();
        const verdict = await verify(address, 'dur/', log);
        const context = `seed=${SEED} round=${round} acked=${log.acked.size} issued=${log.issued.size} present=${verdict.present}`;
        console.log(`${kind} kill -9: ${context}`);
        expect(verdict.missingAcked, `acknowledged writes lost (${context})`).toEqual([]);
        expect(verdict.wrongValue, `values differ (${context})`).toEqual([]);
        expect(verdict.neverIssued, `keys never written (${context})`).toEqual([]);
        expect(verdict.wrongRevision, `revisions differ from the acknowledgement (${context})`).toEqual([]);
      }
    } finally {
      await member.stop();
      await first.stop();
    }
  });
});

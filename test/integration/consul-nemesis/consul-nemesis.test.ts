// Nemesis for the Consul face (issue 7 item 8): three server agents and two client agents on
// 127.0.5.x with Consul's default ports; Consul HTTP clients through both client agents and the
// servers doing KV reads / writes / ?cas= writes, session locks and service registrations, while a
// nemesis kills -9 and restarts servers (the leader and a follower) and client agents, freezes a
// server and a client agent past the failure timeout and partitions one server's raft traffic. Then everything heals
// and: the KV history must be linearizable (consul-kv model over ModifyIndex), no acknowledged
// write lost, no two lock holders at once by the store's own word (fencing by ModifyIndex /
// Session), and the catalog equal to what the client agents hold.
//   NEMESIS_SECONDS=300    workload length (default 20 s; the fault round always completes)
//   NEMESIS_SEED=<n>       replay a run's choices
//   NEMESIS_FAULTS=kill-leader,pause-server   only these fault kinds (default all six)
//   DCSGW_BIN=<entry script>  run the agents from another build copy
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkLinearizable, HistoryRecorder, saveHistory } from '../../support/linearizability/index.js';
import { consulKvModel, type ConsulKvInput, type ConsulKvOutput } from '../../support/linearizability/models/consul-kv.js';
import { hasDcsgwBuild, stopAllProcesses, waitFor } from '../../support/index.js';
import { seededRandom } from '../nemesis/random.js';
import { ConsulNemesisCluster, type NemesisAgent } from './cluster.js';
import { isDefinite, ok, putBool, readKey } from './consul-http.js';
import { finalReads, lostLedgerWrites, runKvClient, type KvClientStats } from './kv-workload.js';
import { checkLocks, describeLockReport, lockDelayBreaches } from './lock-check.js';
import { newLockLog, runContender } from './lock-workload.js';
import { ALL_CONSUL_FAULTS, runConsulNemesis, type ConsulFaultKind } from './nemesis.js';
import { agentServices, catalogServices, contradictions, runRegistrar, type RegistrarLog } from './service-workload.js';

const SECONDS = Number(process.env.NEMESIS_SECONDS ?? 20);
const SEED = Number(process.env.NEMESIS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FAULTS: ConsulFaultKind[] = process.env.NEMESIS_FAULTS
  ? process.env.NEMESIS_FAULTS.split(',').map((f) => {
      if (!ALL_CONSUL_FAULTS.includes(f as ConsulFaultKind)) throw new Error(`NEMESIS_FAULTS: unknown fault ${f} (known: ${ALL_CONSUL_FAULTS.join(',')})`);
      return f as ConsulFaultKind;
    })
  : ALL_CONSUL_FAULTS;
const KEYS = ['a', 'b', 'c'];

const skip = !hasDcsgwBuild();
if (skip) console.warn('SKIP consul nemesis: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');

const cluster = new ConsulNemesisCluster();

afterAll(async () => {
  await cluster.stop();
  await stopAllProcesses();
});

describe.skipIf(skip)('nemesis against 3 server + 2 client Consul agents', () => {
  test(
    'kill -9 (leader, follower, client) / SIGSTOP past failure detection / raft partition: KV linearizable, no acknowledged write lost, no double lock holder, catalog = agents',
    async () => {
      const lines: string[] = [];
      const log = (line: string): void => {
        lines.push(`${((performance.now() - t0) / 1000).toFixed(1)}s ${line}`);
      };
      const rng = seededRandom(SEED);
      await cluster.start();
      const t0 = performance.now();
      log(`cluster up; seed ${SEED}; faults ${FAULTS.join(',')}; workload >= ${SECONDS} s`);

      const recorder = new HistoryRecorder<ConsulKvInput, ConsulKvOutput>(isDefinite);
      const kvStats: KvClientStats = { ledgerAcked: [], ledgerUnknown: 0, byEndpoint: new Map() };
      const lockLog = newLockLog();
      const registrars: RegistrarLog[] = cluster.clients.map((c) => ({ node: c.name, intents: new Map(), registers: 0, deregisters: 0, failed: 0 }));
      const urls = cluster.all.map((a) => a.url);
      const clientUrls = cluster.clients.map((c) => c.url);
      const serverUrls = cluster.servers.map((s) => s.url);

      let nemesisDone = false;
      const workloadOver = (): boolean => nemesisDone && performance.now() - t0 >= SECONDS * 1000;
      const nemesis = runConsulNemesis(cluster, FAULTS, rng, () => performance.now() - t0 >= SECONDS * 1000, log).finally(() => {
        nemesisDone = true;
      });
      // KV: 6 clients, two starting on each client agent, one on each of two servers (they move on after failures)
      const kv = [0, 1, 2, 3, 4, 5].map((i) =>
        runKvClient(i, [clientUrls[i % 2]!, ...serverUrls, clientUrls[(i + 1) % 2]!], KEYS, recorder, seededRandom(SEED + 100 + i), workloadOver, kvStats),
      );
      // locks: 4 contenders, homed on c1, c2, s1, s2 (sessions bound to those nodes)
      const homes = [clientUrls[0]!, clientUrls[1]!, serverUrls[0]!, serverUrls[1]!];
      const locks = homes.map((home, i) => runContender(i, home, urls, lockLog, seededRandom(SEED + 200 + i), workloadOver));
      const regs = cluster.clients.map((c, i) => runRegistrar(c.name, c.url, 6, registrars[i]!, seededRandom(SEED + 300 + i), workloadOver));
      const faults = await nemesis;
      await Promise.all([...kv, ...locks, ...regs]);
      const workloadSeconds = (performance.now() - t0) / 1000;
      log(`workload over after ${workloadSeconds.toFixed(1)} s; healing`);

      // heal: everything running, one leader, everyone alive
      await cluster.heal();
      for (const a of cluster.all) if (a.paused) cluster.resume(a);
      for (const a of cluster.all) if (!a.proc?.alive()) await cluster.restart(a);
      await cluster.waitHealthy(90_000);

      // KV: final consistent reads join the history; the ledger must be complete
      await finalReads(clientUrls[0]!, KEYS, recorder);
      const history = recorder.history();
      const counts = recorder.counts();
      const byKind: Record<string, number> = {};
      for (const op of history) byKind[`${op.input.kind}${op.output === undefined ? '?' : ''}`] = (byKind[`${op.input.kind}${op.output === undefined ? '?' : ''}`] ?? 0) + 1;
      const checkStart = performance.now();
      const check = checkLinearizable(consulKvModel(history), history, { timeoutMs: 60_000 });
      const checkMs = performance.now() - checkStart;
      const lost = await lostLedgerWrites(serverUrls[1]!, kvStats.ledgerAcked);

      // locks
      const lockReport = checkLocks(lockLog);

      // services: each client agent holds what its acknowledged operations say, and the catalog
      // through every server converges to it
      const serviceProblems: string[] = [];
      const held = new Map<string, string[]>();
      for (const [i, c] of cluster.clients.entries()) {
        const own = await agentServices(c.url);
        held.set(c.name, own);
        serviceProblems.push(...contradictions(registrars[i]!, own));
      }
      const convergeStart = performance.now();
      let catalogConverged = true;
      try {
        await waitFor(
          async () => {
            for (const s of serverUrls) for (const c of cluster.clients) if ((await catalogServices(s, c.name)).join() !== held.get(c.name)!.join()) return false;
            return true;
          },
          { timeoutMs: 30_000, intervalMs: 200, what: 'the catalog through every server lists what each client agent holds' },
        );
      } catch (err) {
        catalogConverged = false;
        for (const c of cluster.clients) serviceProblems.push(`${c.name}: agent holds [${held.get(c.name)!.join(', ')}], catalog through s1 lists [${(await catalogServices(serverUrls[0]!, c.name)).join(', ')}] (${(err as Error).message.split('\n')[0]})`);
      }
      const convergeMs = performance.now() - convergeStart;

      // throughput over time (acknowledged KV operations per 5 s window), to see what each fault cost
      const windows: number[] = [];
      for (const o of history) {
        if (o.output === undefined || o.clientId === 'final') continue;
        const w = Math.floor((o.return - t0) / 5_000);
        if (w >= 0) windows[w] = (windows[w] ?? 0) + 1;
      }
      const endpoints = [...kvStats.byEndpoint].map(([url, e]) => `${url.replace('http://', '').replace(':8500', '')} ${e.answered} ok/${e.failed} failed mean ${(e.totalMs / Math.max(1, e.answered + e.failed)).toFixed(1)} max ${e.maxMs.toFixed(0)} ms`);
      const summary = [
        `consul nemesis seed=${SEED} (replay: NEMESIS_SEED=${SEED} NEMESIS_SECONDS=${SECONDS}): workload ${workloadSeconds.toFixed(1)} s`,
        `faults (${faults.length}): ${faults.map((f) => `${f.kind} ${f.agent}${f.newLeader ? `->${f.newLeader} leads` : ''}${f.applied === false ? ' (hook refused)' : ''} ${f.heldMs}ms`).join('; ')}; partition hook ${JSON.stringify(cluster.partitionStats)}`,
        `kv: ${counts.total} ops recorded (${counts.acknowledged} acknowledged, ${counts.unknown} unknown outcome, ${counts.dropped} failed reads dropped) by kind ${JSON.stringify(byKind)}; ledger writes ${kvStats.ledgerAcked.length} acknowledged, ${kvStats.ledgerUnknown} unknown`,
        `kv: linearizable ${check.ok}${check.timedOut ? ' (checker timed out)' : ''} (${check.partitions} keys, ${check.steps} steps, ${checkMs.toFixed(0)} ms); lost acknowledged writes ${lost.length}`,
        `kv: acknowledged per 5 s window [${Array.from(windows, (n) => n ?? 0).join(' ')}]; by agent: ${endpoints.join('; ')}`,
        describeLockReport(lockReport, lockLog),
        `services: ${registrars.map((r) => `${r.node} ${r.registers} registers, ${r.deregisters} deregisters, ${r.failed} failed`).join('; ')}; agents hold ${[...held].map(([n, l]) => `${n}:${l.length}`).join(' ')}; catalog converged ${catalogConverged} in ${convergeMs.toFixed(0)} ms; problems ${serviceProblems.length}`,
      ].join('\n');
      console.log(`${summary}\n${lines.join('\n')}`);
      if (!check.ok) {
        const file = join(tmpdir(), `consul-nemesis-${SEED}.json`);
        saveHistory(file, history);
        console.log(`history saved to ${file}\n${JSON.stringify(check.counterexample, null, 2)}`);
      }
      if (lost.length) console.log(lost.join('\n'));
      if (lockReport.violations.length) console.log(lockReport.violations.join('\n'));
      if (serviceProblems.length) console.log(serviceProblems.join('\n'));

      // the run exercised something
      expect(faults.length).toBeGreaterThanOrEqual(FAULTS.length);
      expect(counts.acknowledged).toBeGreaterThan(50);
      expect(lockReport.confirmedHolds).toBeGreaterThan(3);
      if (faults.some((f) => f.kind === 'partition-server')) expect(faults.filter((f) => f.kind === 'partition-server').every((f) => f.applied)).toBe(true);
      // and nothing went wrong
      expect(check.timedOut).toBe(false);
      expect(check.ok).toBe(true);
      expect(lost).toEqual([]);
      expect(lockReport.violations).toEqual([]);
      expect(lockDelayBreaches(lockReport)).toEqual([]);
      expect(serviceProblems).toEqual([]);
    },
    SECONDS * 1000 + 240_000,
  );

  test('a lock holder whose agent freezes past failure detection: another contender is granted only after the invalidation plus lock-delay, the old holder fenced out', async () => {
    await cluster.waitHealthy(90_000);
    const [c1, c2] = cluster.clients as [NemesisAgent, NemesisAgent];
    const s1 = cluster.servers[0]!;
    const lockDelayMs = 2_000;
    const key = 'nemesis/frozen-holder-lock';
    const session = async (via: NemesisAgent): Promise<string> =>
      (JSON.parse(await ok(via.url, 'PUT', '/v1/session/create', JSON.stringify({ LockDelay: `${lockDelayMs / 1000}s` }))) as { ID: string }).ID;
    const old = await session(c2);
    expect(await putBool(c2.url, `/v1/kv/${key}?acquire=${old}`, 'old')).toBe(true);
    const before = (await readKey(s1.url, key))!;
    expect(before.Session).toBe(old);
    const contender = await session(c1);
    expect(await putBool(c1.url, `/v1/kv/${key}?acquire=${contender}`, 'new')).toBe(false);

    const frozenAt = performance.now();
    cluster.pause(c2);
    // when the servers judge c2 failed (its serfHealth critical), seen through s1
    let criticalAfterMs: number | undefined;
    const detection = waitFor(
      async () => {
        const checks = JSON.parse(await ok(s1.url, 'GET', '/v1/health/node/c2')) as Array<{ CheckID: string; Status: string }>;
        if (checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical')) criticalAfterMs = performance.now() - frozenAt;
        return criticalAfterMs !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: "c2's serfHealth critical" },
    ).catch(() => undefined);
    let refused = 0;
    try {
      await waitFor(
        async () => {
          if (await putBool(c1.url, `/v1/kv/${key}?acquire=${contender}`, 'new')) return true;
          refused++;
          return false;
        },
        { timeoutMs: 60_000, intervalMs: 50, what: 'the contender granted the frozen holder\'s lock' },
      );
    } finally {
      cluster.resume(c2);
    }
    const grantedAfterMs = performance.now() - frozenAt;
    await detection;
    const after = (await readKey(s1.url, key))!;
    const c2Health = JSON.parse(await ok(s1.url, 'GET', '/v1/health/node/c2')) as Array<{ CheckID: string; Status: string }>;
    // the old holder wakes up: its fenced check and its release both say it has lost the lock
    const seenByOld = await waitFor(() => readKey(c2.url, key), { timeoutMs: 30_000, what: 'c2 answering again' });
    const releasedByOld = await putBool(c2.url, `/v1/kv/${key}?release=${old}`, 'old');
    const oldInfo = await ok(s1.url, 'GET', `/v1/session/info/${old}`);
    console.log(
      `frozen holder: c2 SIGSTOPped while holding (lock-delay ${lockDelayMs} ms); contender granted after ${grantedAfterMs.toFixed(0)} ms ` +
        `(${refused} refused attempts meanwhile); c2's serfHealth seen critical after ${criticalAfterMs?.toFixed(0)} ms, so the grant came ${criticalAfterMs === undefined ? '?' : (grantedAfterMs - criticalAfterMs).toFixed(0)} ms after failure detection; fence ModifyIndex ${before.ModifyIndex} -> ${after.ModifyIndex}, ` +
        `LockIndex ${before.LockIndex} -> ${after.LockIndex}; c2 serfHealth once resumed ${c2Health.find((c) => c.CheckID === 'serfHealth')?.Status}; ` +
        `old holder after waking: key's Session ${seenByOld?.Session === old ? 'still its own (!)' : 'not its own'}, release answered ${releasedByOld}, session info ${oldInfo.trim()}`,
    );
    expect(grantedAfterMs).toBeGreaterThanOrEqual(lockDelayMs);
    expect(refused).toBeGreaterThan(0);
    expect(after.Session).toBe(contender);
    expect(after.ModifyIndex).toBeGreaterThan(before.ModifyIndex);
    expect(after.LockIndex).toBe(before.LockIndex + 1);
    expect(seenByOld?.Session).toBe(contender);
    expect(releasedByOld).toBe(false);
    expect(JSON.parse(oldInfo)).toEqual([]);
    await ok(c1.url, 'PUT', `/v1/kv/${key}?release=${contender}`, 'new');
  }, 180_000);
});

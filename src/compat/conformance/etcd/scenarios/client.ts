// The `etcd3` npm client: what an application using it gets back.
import type { Etcd3 } from 'etcd3';
import type { Scenario, StepContext } from '../types.js';
import { scenario, seed } from './dsl.js';

const call = (label: string, client: (c: Etcd3, ctx: StepContext) => Promise<unknown>) => ({ label, client });

export const clientScenarios: Scenario[] = [
  scenario('js-put-get', call('put+get', async (c, x) => { await c.put(x.p + 'a').value('1'); return c.get(x.p + 'a').string(); })),
  scenario('js-get-missing', call('get missing', (c, x) => c.get(x.p + 'none').string())),
  scenario('js-get-all-prefix', seed(['{P}a', '1'], ['{P}b', '2']), call('getAll prefix', (c, x) => c.getAll().prefix(x.p).strings())),
  scenario('js-get-all-sorted', seed(['{P}a', '1'], ['{P}b', '2']), call('getAll sorted', (c, x) => c.getAll().prefix(x.p).sort('Key', 'Descend').keys())),
  scenario('js-count', seed(['{P}a', '1'], ['{P}b', '2']), call('count', (c, x) => c.getAll().prefix(x.p).count())),
  scenario('js-exec-raw', seed(['{P}a', '1']), call('range exec', (c, x) => c.get(x.p + 'a').exec())),
  scenario('js-delete', seed(['{P}a', '1']), call('delete', (c, x) => c.delete().key(x.p + 'a').getPrevious())),
  scenario('js-if-txn', seed(['{P}a', '1']), call('if/then', (c, x) => c.if(x.p + 'a', 'Value', '==', '1').then(c.put(x.p + 'b').value('2')).else(c.get(x.p + 'a')).commit())),
  scenario('js-if-txn-else', call('if/else', (c, x) => c.if(x.p + 'a', 'Version', '>', 0).then(c.put(x.p + 'b').value('2')).else(c.put(x.p + 'c').value('3')).commit())),
  scenario('js-empty-key', call('put empty key', (c) => c.put('').value('v').exec())),
  scenario('js-lease', call('lease grant + put + ttl + revoke', async (c, x) => {
    const lease = c.lease(300, { autoKeepAlive: false });
    await lease.put(x.p + 'k').value('v');
    const ka = await lease.keepaliveOnce();
    const keys = await c.getAll().prefix(x.p).keys();
    await lease.revoke();
    const after = await c.getAll().prefix(x.p).keys();
    return { keepaliveTTL: ka.TTL, keys, after };
  })),
  scenario('js-lease-ttl-too-large', call('lease too large', async (c) => { const l = c.lease(9_000_000_001, { autoKeepAlive: false }); return l.grant(); })),
  scenario('js-watch', seed(['{P}a', '1'], ['{P}a', '2']), call('watch from revision', async (c, x) => {
    const events: string[] = [];
    const w = await c.watch().key(x.p + 'a').startRevision(String(x.rev(1))).create();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 10_000); // a bound for loaded machines: resolves at the 2nd event
      w.on('put', (kv) => { events.push(`put ${kv.key.toString()}=${kv.value.toString()}`); if (events.length === 2) { clearTimeout(t); resolve(); } });
    });
    await w.cancel();
    return events;
  })),
  scenario('js-lock', call('lock', async (c, x) => { const l = c.lock(x.p + 'lk'); await l.acquire(); const held = await c.getAll().prefix(x.p + 'lk').count(); await l.release(); return { held, after: await c.getAll().prefix(x.p + 'lk').count() }; })),
  scenario('js-election', call('election', async (c, x) => {
    const e = c.election(x.p + 'el', 300);
    const cand = e.campaign('me');
    await new Promise<void>((r, j) => { cand.on('elected', () => r()); cand.on('error', j); });
    const leader = await e.leader();
    await cand.resign();
    return { leader };
  })),
  scenario('js-maintenance-status', call('status version', async (c) => { const s = await c.maintenance.status(); return { version: s.version, leaderIsMember: s.leader === s.header.member_id }; })),
  scenario('js-cluster-members', call('member list names', async (c) => (await c.cluster.memberList({})).members.map((m) => ({ name: m.name, peerURLs: m.peerURLs, ID: m.ID })))),
];

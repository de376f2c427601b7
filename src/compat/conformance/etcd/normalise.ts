// Turns what a target answered into text that may be compared with what genuine etcd answered.
// Only what MUST differ between two correct servers, and what no client relies on, is rewritten:
//   - the target's own ports and scratch dir (each target listens on its own ports)     -> <CLIENT>, <PEER>, <TMP>
//   - timestamps in etcdctl's log lines, its random client UUIDs, health-check timings -> <TS>, <UUID>, <T>
//   - lease IDs (etcd mixes the wall clock into them)                                   -> <LEASE1>, <LEASE2>...
//   - revisions, relative to the scenario's start (so one scenario's extra or missing
//     write cannot cascade into every later scenario's diff)                            -> R+n
//   - raft (applied) index: servers count internal entries (conf changes, cluster
//     version) differently, and lease expiries add entries at moments that depend on
//     timing (seen genuine vs genuine under load), so not even the relative value holds -> <IDX>
//   - db sizes and hashes: bbolt's page layout vs our store cannot match byte for byte  -> <DBSIZE>, <HASH>
//   - a lease's remaining TTL when within 10 s of its granted TTL (seconds pass on a
//     loaded machine between grant and query; scenarios grant 300 s)                   -> <~TTL>
//   - auth tokens (simple tokens are random)                                            -> <TOKEN>
//   - the order of a lease's attached keys (etcd walks a Go map: random order)        -> sorted
// Everything else (keys, values, versions, member/cluster IDs, errors, exit codes) is compared as is.

export interface NormaliseContext {
  clientPort: number;
  peerPort: number;
  tmp: string;
  baseRevision: number;
  baseRaftIndex: number;
  /** Member and cluster ID (decimal): never mistaken for lease IDs. */
  fixedIds: Set<string>;
  /** Lease IDs met so far in this scenario, in order of first appearance. */
  leases: bigint[];
  /** The scenario prefix, to recognise lock/election keys `<prefix>name/<lease hex>`. */
  prefix: string;
  /** Cluster mode: every port of the target (all members' client/peer ports, spare ports) -> its label. */
  portLabels?: Array<[number, string]>;
  /** Cluster mode: raft term when the scenario started (elections at start-up may take an extra term) -> T+n. */
  baseTerm?: number;
  /** Cluster mode: member and cluster IDs (which differ between two clusters on different ports) -> labels. */
  idLabels?: Array<[bigint, string]>;
}

/** Member IDs announced by `member add` (random: etcd mixes the time in) get labels <NEW1>, <NEW2>... */
export function registerNewMembers(text: string, ctx: NormaliseContext): void {
  if (!ctx.idLabels) return;
  // etcdctl prints "Member %16x added": a short ID is padded with spaces
  for (const m of text.matchAll(/Member\s+([0-9a-f]{1,16}) added to cluster/g)) {
    const id = BigInt('0x' + m[1]);
    if (ctx.idLabels.some(([x]) => x === id)) continue;
    const n = ctx.idLabels.filter(([, l]) => l.startsWith('<NEW')).length + 1;
    ctx.idLabels.push([id, `<NEW${n}>`]);
    ctx.fixedIds.add(id.toString(10));
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function addLease(ctx: NormaliseContext, id: bigint): void {
  if (id > 0n && !ctx.leases.includes(id)) ctx.leases.push(id);
}

/** Finds lease IDs in a raw answer (grant outputs in every format, lock/election keys). */
export function registerLeases(text: string, ctx: NormaliseContext): void {
  for (const m of text.matchAll(/lease ([0-9a-f]{16}) granted/g)) addLease(ctx, BigInt('0x' + m[1]));
  for (const m of text.matchAll(/"ID"\s*:\s*"?(\d{6,20})"?/g)) {
    if (!ctx.fixedIds.has(m[1] as string)) addLease(ctx, BigInt(m[1] as string));
  }
  const lockKey = new RegExp(`${escapeRe(ctx.prefix)}[^/\\s"]*/([0-9a-f]{6,16})\\b`, 'g');
  for (const m of text.matchAll(lockKey)) addLease(ctx, BigInt('0x' + m[1]));
}

function relative(v: number, base: number, letter: string): string {
  if (v <= 0) return String(v);
  const d = v - base;
  return d >= 0 ? `${letter}+${d}` : `${letter}-${-d}`;
}

const REVISION_KEYS = 'rev|PrevCreateRevision|PrevModRevision|revision|create_revision|mod_revision|compact_revision|compactRevision|createRevision|modRevision|Revision|CreateRevision|ModRevision|CompactRevision|header_revision';
const RAFT_INDEX_KEYS = 'raftIndex|raftAppliedIndex|raft_index|raft_applied_index|RaftIndex|RaftAppliedIndex';
const DBSIZE_KEYS = 'dbSize|dbSizeInUse|db_size|db_size_in_use|DBSize|DBSizeInUse|totalSize';
const HASH_KEYS = 'hash|Hash';

function normaliseTables(text: string, ctx: NormaliseContext): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let header: string[] | undefined;
  for (const line of lines) {
    if (/^\+[-+]+\+$/.test(line)) continue;
    if (/^\|.*\|$/.test(line)) {
      const cells = line.slice(1, -1).split('|').map((c) => c.trim());
      if (!header) {
        header = cells;
      } else {
        cells.forEach((cell, i) => {
          const col = header?.[i] ?? '';
          if (col === 'DB SIZE' || col === 'TOTAL SIZE') cells[i] = '<DBSIZE>';
          else if (col === 'HASH') cells[i] = '<HASH>';
          else if (col === 'TOOK') cells[i] = '<T>';
          else if ((col === 'RAFT INDEX' || col === 'RAFT APPLIED INDEX') && /^\d+$/.test(cell)) cells[i] = '<IDX>';
          else if (col === 'REVISION' && /^\d+$/.test(cell)) cells[i] = relative(Number(cell), ctx.baseRevision, 'R');
          else if (col === 'RAFT TERM' && ctx.baseTerm !== undefined && /^\d+$/.test(cell)) cells[i] = relative(Number(cell), ctx.baseTerm, 'T');
        });
      }
      out.push('| ' + cells.join(' | ') + ' |');
      continue;
    }
    header = undefined;
    out.push(line);
  }
  return out.join('\n');
}

/** The comparable form of one answer. Call registerLeases first (on every answer of the scenario so far). */
export function normalise(raw: string, ctx: NormaliseContext): string {
  let t = raw;
  if (ctx.tmp) t = t.split(ctx.tmp).join('<TMP>');
  for (const [port, label] of ctx.portLabels ?? []) {
    t = t.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${port}\\b`, 'g'), `$1:${label}`);
  }
  for (const [id, label] of ctx.idLabels ?? []) {
    const hex = id.toString(16);
    t = t.split(hex.padStart(16, '0')).join(label);
    t = t.replace(new RegExp(`\\b${hex}\\b`, 'g'), label);
    t = t.replace(new RegExp(`\\b${id.toString(10)}\\b`, 'g'), label);
  }
  // etcdctl pads IDs to 16 columns ("Member %16x added"): the padding depends on the ID's value
  if (ctx.idLabels) t = t.replace(/ {2,}(<(?:M:[^>]*|NEW\d+|CLUSTER)>)/g, ' $1');
  t = t.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${ctx.clientPort}\\b`, 'g'), '$1:<CLIENT>');
  t = t.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${ctx.peerPort}\\b`, 'g'), '$1:<PEER>');
  // the same inside hex-dumped protobuf (member list -w protobuf carries the client URL)
  t = t.split(Buffer.from(`127.0.0.1:${ctx.clientPort}`).toString('hex')).join('<CLIENT-HEX>');

  ctx.leases.forEach((id, i) => {
    const label = `<LEASE${i + 1}>`;
    const hex = id.toString(16);
    t = t.split(hex.padStart(16, '0')).join(label);
    t = t.replace(new RegExp(`\\b${hex}\\b`, 'g'), label);
    t = t.replace(new RegExp(`\\b${id.toString(10)}\\b`, 'g'), label);
  });

  t = normaliseTables(t, ctx);

  t = t.replace(/"ts":("[^"]*"|[-\d.e+]+)/g, '"ts":<TS>');
  t = t.replace(/client-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'client-<UUID>');
  t = t.replace(/"token"(\s*:\s*)"[^"]+"/g, '"token"$1"<TOKEN>"');
  t = t.replace(/took = \S+/g, 'took = <T>');
  t = t.replace(/"Took" : \S+/g, '"Took" : <T>');
  t = t.replace(/"took":("[^"]*"|[-\d.e+]+)/g, '"took":<T>');

  t = t.replace(new RegExp(`"(${REVISION_KEYS})"(\\s*:\\s*)("?)(-?\\d+)\\3`, 'g'), (_m, k: string, sep: string, q: string, v: string) =>
    `"${k}"${sep}${q}${relative(Number(v), ctx.baseRevision, 'R')}${q}`,
  );
  t = t.replace(/compacted revision (\d+)/g, (_m, v: string) => `compacted revision ${relative(Number(v), ctx.baseRevision, 'R')}`);
  t = t.replace(new RegExp(`"(${RAFT_INDEX_KEYS})"(\\s*:\\s*)("?)(\\d+)\\3`, 'g'), '"$1"$2$3<IDX>$3');
  t = t.replace(new RegExp(`"(${DBSIZE_KEYS})"(\\s*:\\s*)("?)(\\d+)\\3`, 'g'), '"$1"$2$3<DBSIZE>$3');
  t = t.replace(new RegExp(`"(${HASH_KEYS})"(\\s*:\\s*)("?)(\\d+)\\3`, 'g'), '"$1"$2$3<HASH>$3');
  t = t.replace(/(127\.0\.0\.1:<CLIENT>), \d+$/gm, '$1, <HASH>');
  // endpoint status -w simple: endpoint, ID, version, DB SIZE, leader?, learner?, term, RAFT INDEX, APPLIED INDEX, errors
  t = t.replace(/^(\S+, [^,]+, [^,]+), [\d.]+ [kMGT]?B, (true|false), (true|false), (\d+), \d+, \d+, /gm, '$1, <DBSIZE>, $2, $3, $4, <IDX>, <IDX>, ');

  t = t.replace(/attached keys\(\[([^\]]*)\]\)/g, (_m, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`);
  t = t.replace(/"keys"(\s*:\s*)\[("[^\]]*")\]/g, (_m, sep: string, keys: string) => `"keys"${sep}[${keys.split(',').sort().join(',')}]`);

  if (ctx.baseTerm !== undefined) {
    const base = ctx.baseTerm;
    t = t.replace(/"(raft_term|raftTerm|RaftTerm)"(\s*:\s*)("?)(\d+)\3/g, (_m, k: string, sep: string, q: string, v: string) => `"${k}"${sep}${q}${relative(Number(v), base, 'T')}${q}`);
    t = t.replace(/^(\S+, [^,]+, [^,]+, <DBSIZE>, (?:true|false), (?:true|false)), (\d+),/gm, (_m, head: string, v: string) => `${head}, ${relative(Number(v), base, 'T')},`);
  }
  // etcdctl member add prints the cluster in member-list order, which holds a random new ID
  t = t.replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/g, (_m, v: string) => `ETCD_INITIAL_CLUSTER="${v.split(',').sort().join(',')}"`);

  // remaining TTL a clock tick below the granted TTL
  t = t.replace(/TTL\((\d+)s\), remaining\((\d+)s\)/g, (m, g: string, r: string) =>
    Number(g) - Number(r) >= 0 && Number(g) - Number(r) <= 10 ? `TTL(${g}s), remaining(<~TTL>)` : m,
  );
  t = t.replace(/"(ttl|TTL)"(\s*:\s*)("?)(\d+)\3(,\s*"(?:granted-ttl|grantedTTL|granted_ttl|GrantedTTL)"\s*:\s*"?(\d+)"?)/g,
    (m, k: string, sep: string, q: string, r: string, rest: string, g: string) =>
      Number(g) - Number(r) >= 0 && Number(g) - Number(r) <= 10 ? `"${k}"${sep}${q}<~TTL>${q}${rest}` : m,
  );
  return t;
}

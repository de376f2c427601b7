// Scenario templates ({P}, {R+n}, {L1}...) expanded against one target's step context, and the
// way an etcdctl run is written into a transcript. Shared by the project's differential suite
// (test/conformance) and `dcsgw conformance`.
import type { StepContext, Templated } from './types.js';

export function resolve<T>(v: Templated<T>, ctx: StepContext): T {
  return typeof v === 'function' ? (v as (c: StepContext) => T)(ctx) : v;
}

/** {P} prefix, {R+n}/{R-n}/{R} revisions, {L1}/{L1d} leases (hex/decimal), {TMP} scratch dir,
 * cluster mode: {X1} spare port, {M1} member ID (hex, 1-based), {NEW1} ID of the first added member. */
export function template(s: string, ctx: StepContext): string {
  return s
    .replace(/\{PEER(\d+)\}/g, (_m, i: string) => String(ctx.peerPorts[Number(i) - 1] ?? 'no-such-port'))
    .replace(/\{X(\d+)\}/g, (_m, i: string) => String(ctx.ports[Number(i) - 1] ?? 'no-such-port'))
    .replace(/\{M(\d+)\}/g, (_m, i: string) => ctx.memberIds[Number(i) - 1]?.toString(16) ?? 'no-such-member')
    .replace(/\{NEW(\d+)\}/g, (_m, i: string) => ctx.newMemberIds()[Number(i) - 1]?.toString(16) ?? 'no-such-member')
    .replace(/\{P\}/g, ctx.p)
    .replace(/\{R([+-]\d+)?\}/g, (_m, off: string | undefined) => String(ctx.baseRevision + Number(off ?? 0)))
    .replace(/\{L(\d+)(d?)\}/g, (_m, i: string, dec: string) => {
      const id = ctx.leases[Number(i) - 1];
      if (id === undefined) return 'no-such-lease-yet';
      return dec ? id.toString(10) : id.toString(16);
    })
    .replace(/\{TMP\}/g, ctx.tmp);
}

export function templateDeep(v: unknown, ctx: StepContext): unknown {
  if (typeof v === 'string') return template(v, ctx);
  // only text buffers carry templates; binary ones pass through untouched
  if (Buffer.isBuffer(v)) return v.includes('{') ? Buffer.from(template(v.toString('utf8'), ctx), 'utf8') : v;
  if (Array.isArray(v)) return v.map((x) => templateDeep(x, ctx));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = templateDeep(x, ctx);
    return out;
  }
  return v;
}

/** What one etcdctl run showed its user. */
export interface CtlRun {
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
  code: number;
  timedOut: boolean;
}

/** `args` as written in the scenario (templates unexpanded: absolute revisions must not show). */
export function renderCtl(args: string[], r: CtlRun, stdoutOnly: boolean): string {
  const isProtobuf = args.some((a) => a === 'protobuf' || a === '--write-out=protobuf' || a === '-wprotobuf');
  const stdout = isProtobuf ? `hex:${r.stdoutBytes.toString('hex')}` : r.stdout;
  const parts = [`$ etcdctl ${args.join(' ')}`, stdout];
  if (!stdoutOnly && r.stderr) parts.push(`[stderr]\n${r.stderr}`);
  parts.push(`[rc=${r.code}${r.timedOut ? ', interrupted' : ''}]`);
  return parts.join('\n');
}

/** Outputs whose line order genuine etcd leaves to chance: the lines after the first, sorted. */
export function sortLinesAfterFirst(text: string): string {
  const [first, ...rest] = text.split('\n');
  return [first, ...rest.filter((l) => l !== '').sort()].join('\n');
}

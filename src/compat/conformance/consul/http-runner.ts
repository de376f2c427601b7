// Runs Consul corpus scenarios against one agent over its HTTP API and renders each answer as
// comparable text: status, the headers a step shows, and the body with what differs between any
// two correct agents labelled (run token, index numbers by first appearance, session IDs, the
// agent's node and datacenter). JSON bodies are rendered with sorted keys (clients do not depend on
// Go's field order); against the written expectations only the fields written are kept.
import { ABSENT, type ConsulScenario, type ConsulStep } from './types.js';
import type { ConsulConformanceTarget } from './target.js';

const INDEX_FIELDS = new Set(['CreateIndex', 'ModifyIndex']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

let runCounter = 0;
export function newRunToken(now = Date.now()): string {
  return `conformance-${now.toString(36).padStart(8, '0').slice(-8)}${(runCounter++ % 1296).toString(36).padStart(2, '0')}`;
}

/** Labels handed out within one scenario on one agent. */
class Labels {
  private readonly indexes = new Map<string, string>();
  private readonly sessions = new Map<string, string>();
  index(n: number | string): string {
    const k = String(n);
    let l = this.indexes.get(k);
    if (!l) this.indexes.set(k, (l = `<I${this.indexes.size + 1}>`));
    return l;
  }
  session(id: string): string {
    let l = this.sessions.get(id);
    if (!l) this.sessions.set(id, (l = `<S${this.sessions.size + 1}>`));
    return l;
  }
  /** The value behind a label ({I1} / {S1} in requests). */
  valueOf(label: string): string | undefined {
    for (const [v, l] of [...this.indexes, ...this.sessions]) if (l === label) return v;
    return undefined;
  }
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }
}

/** Keeps only what the expectation names: the fields of objects, element by element in arrays. */
export function project(value: unknown, shape: unknown): unknown {
  if (Array.isArray(shape) && Array.isArray(value)) {
    return value.map((v, i) => (i < shape.length ? project(v, shape[i]) : v));
  }
  if (shape && typeof shape === 'object' && !Array.isArray(shape) && value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(shape)) {
      const v = (value as Record<string, unknown>)[k];
      // a field that must be absent: absent or empty is as documented, anything else is shown
      if (s === ABSENT) {
        if (v !== undefined && v !== '' && v !== null) out[k] = v;
        continue;
      }
      out[k] = v === undefined ? ABSENT : project(v, s);
    }
    return out;
  }
  return value;
}

export interface RenderContext {
  labels: Labels;
  runToken: string;
  node: string;
  datacenter: string;
}

function renderString(s: string, c: RenderContext): string {
  if (s === c.node && s !== '') return '<NODE>';
  if (s === c.datacenter && s !== '') return '<DC>';
  return s.split(c.runToken).join('<RUN>').replace(UUID, (id) => c.labels.session(id));
}

/** Canonical JSON text: sorted keys, labels for indexes and session IDs; '<...>' strings in index fields bare. */
export function canon(v: unknown, c: RenderContext, key?: string): string {
  if (key && INDEX_FIELDS.has(key)) {
    if (typeof v === 'number') return c.labels.index(v);
    if (typeof v === 'string' && /^<I\d+>$/.test(v)) return v;
  }
  if (v === null) return 'null';
  if (typeof v === 'string') return v === ABSENT ? ABSENT : JSON.stringify(renderString(v, c));
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => canon(x, c)).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [renderString(k, c), k, x] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([shown, k, x]) => `${JSON.stringify(shown)}:${canon(x, c, k)}`).join(',')}}`;
}

export interface StepAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The comparable text of one answer. `expectShape`: keep only the written fields (no reference). */
export function renderAnswer(step: ConsulStep, a: StepAnswer, c: RenderContext, shape: unknown): string {
  const expectShape = shape !== undefined;
  const lines = [step.req, `HTTP ${a.status}`];
  for (const [name, want] of Object.entries(step.expect.headers ?? {})) {
    const got = a.headers.get(name);
    if (got === null) lines.push(`${name}: (absent)`);
    else if (name.toLowerCase() === 'x-consul-index') lines.push(`${name}: ${want === '<present>' ? (/^[1-9]\d*$/.test(got) ? '<present>' : got) : c.labels.index(got)}`);
    else if (name.toLowerCase() === 'content-type') lines.push(`${name}: ${got.split(';')[0]!.trim()}`);
    else lines.push(`${name}: ${renderString(got, c)}`);
  }
  if (step.statusOnly) return lines.join('\n');
  let parsed: { value: unknown } | undefined;
  if (step.expect.text === undefined || !expectShape) {
    try {
      parsed = { value: JSON.parse(a.text) };
    } catch {
      parsed = undefined;
    }
  }
  if (parsed) {
    const value = expectShape && step.expect.json !== undefined ? project(parsed.value, shape) : parsed.value;
    lines.push(canon(value, c));
  } else {
    lines.push(renderString(a.text.trimEnd(), c));
  }
  return lines.join('\n');
}

/** What genuine Consul answers to the step, rendered as renderAnswer renders (no reference). */
export function renderExpected(step: ConsulStep, scenario: string): string {
  const c: RenderContext = { labels: new Labels(), runToken: '\u0000none', node: '\u0000none', datacenter: '\u0000none' };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.split('{P}').join(`<RUN>/${scenario}/`).split('{N}').join(`<RUN>-${scenario}`);
    if (Array.isArray(v)) return v.map(fill);
    // a field documented as absent is not shown (renderAnswer shows it only when the target has it)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ABSENT).map(([k, x]) => [fill(k) as string, fill(x)]));
    return v;
  };
  const lines = [step.req, `HTTP ${step.expect.status}`];
  for (const [name, want] of Object.entries(step.expect.headers ?? {})) lines.push(`${name}: ${want}`);
  if (step.statusOnly) return lines.join('\n');
  if (step.expect.json !== undefined) lines.push(canon(fill(step.expect.json), c));
  else lines.push(String(fill(step.expect.text ?? '')));
  return lines.join('\n');
}

export interface ConsulOutcome {
  name: string;
  observations: string[];
}

export class ConsulHttpRunner {
  readonly runToken: string;
  private node = '';
  private datacenter = '';

  constructor(private readonly target: ConsulConformanceTarget, runToken?: string) {
    this.runToken = runToken ?? newRunToken();
  }

  private async call(method: string, path: string, body?: unknown): Promise<StepAnswer> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 15_000);
    try {
      const res = await fetch(`${this.target.baseUrl}${path}`, {
        method,
        signal: ac.signal,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Checks the agent answers and learns its node name and datacenter (labelled in answers). */
  async connect(): Promise<void> {
    let a: StepAnswer;
    try {
      a = await this.call('GET', '/v1/agent/self');
    } catch (err) {
      throw new Error(`${this.target.display} does not answer: ${(err as Error).message}`);
    }
    if (a.status !== 200) throw new Error(`${this.target.display}: /v1/agent/self answered ${a.status} ${a.text.slice(0, 200)}`);
    const self = JSON.parse(a.text) as { Config?: { NodeName?: string; Datacenter?: string } };
    this.node = self.Config?.NodeName ?? '';
    this.datacenter = self.Config?.Datacenter ?? '';
  }

  /** `expectShape`: keep only the fields the written expectations name (no reference agent). */
  async run(s: ConsulScenario, expectShape: boolean): Promise<ConsulOutcome> {
    const prefix = `${this.runToken}/${s.name}/`;
    const nodeName = `${this.runToken}-${s.name}`;
    const c: RenderContext = { labels: new Labels(), runToken: this.runToken, node: this.node, datacenter: this.datacenter };
    const fill = (text: string): string =>
      text
        .split('{P}').join(prefix)
        .split('{N}').join(nodeName)
        .split('{NODE}').join(this.node)
        .replace(/\{([IS]\d+)\}/g, (m, l: string) => c.labels.valueOf(`<${l}>`) ?? m);
    const fillDeep = (v: unknown): unknown => {
      // an index template alone is the index itself, a number as Consul's JSON carries it
      if (typeof v === 'string' && /^\{I\d+\}$/.test(v)) return Number(fill(v));
      if (typeof v === 'string') return fill(v);
      if (Array.isArray(v)) return v.map(fillDeep);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k), fillDeep(x)]));
      return v;
    };
    const fillShape = (v: unknown): unknown => {
      if (typeof v === 'string') return v.split('{P}').join(prefix).split('{N}').join(nodeName);
      if (Array.isArray(v)) return v.map(fillShape);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fillShape(k) as string, fillShape(x)]));
      return v;
    };
    const observations: string[] = [];
    try {
      for (const step of s.steps) {
        const sp = step.req.indexOf(' ');
        const method = step.req.slice(0, sp);
        const path = fill(step.req.slice(sp + 1));
        let answer: StepAnswer;
        try {
          answer = await this.call(method, path, step.body === undefined ? undefined : fillDeep(step.body));
        } catch (err) {
          observations.push(`${step.req}\nREQUEST FAILED ${(err as Error).message}`);
          continue;
        }
        // the expectation's own names ({P}, {N}) filled as this run spells them, labels left as written
        const shape = expectShape ? fillShape(step.expect.json ?? null) : undefined;
        observations.push(renderAnswer(step, answer, c, shape));
      }
    } finally {
      await this.call('DELETE', `/v1/kv/${prefix}?recurse`).catch(() => undefined);
      for (const id of c.labels.sessionIds()) await this.call('PUT', `/v1/session/destroy/${id}`).catch(() => undefined);
      if (s.steps.some((st) => st.req.includes('/catalog/register'))) {
        await this.call('PUT', '/v1/catalog/deregister', { Node: nodeName }).catch(() => undefined);
      }
    }
    return { name: s.name, observations };
  }

  async cleanupRun(): Promise<void> {
    await this.call('DELETE', `/v1/kv/${this.runToken}/?recurse`).catch(() => undefined);
  }
}

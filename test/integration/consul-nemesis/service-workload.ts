// Service registrations of a Consul nemesis run: one registrar per client agent toggles a few
// service IDs (PUT /v1/agent/service/register, PUT /v1/agent/service/deregister/<id>) on that
// agent. After the faults the check is: the agent holds what its acknowledged operations say
// (an ID whose last operation's outcome is unknown may be either way), and the catalog, read
// through every server, converges to exactly what the agent holds (nothing lost, no
// deregistration resurrected).
import { sleep } from '../../support/index.js';
import type { Random } from '../nemesis/random.js';
import { call, isDefinite, ok } from './consul-http.js';

export const SERVICE_NAME = 'nemesis-svc';

export interface ServiceIntent {
  /** What the last acknowledged operation left; undefined = never acknowledged. */
  registered?: boolean;
  /** The last operation after it has an unknown outcome. */
  uncertain: boolean;
}

export interface RegistrarLog {
  node: string;
  intents: Map<string, ServiceIntent>;
  registers: number;
  deregisters: number;
  failed: number;
}

export async function runRegistrar(node: string, base: string, ids: number, log: RegistrarLog, rng: Random, shouldStop: () => boolean): Promise<void> {
  const names = Array.from({ length: ids }, (_, i) => `${SERVICE_NAME}-${node}-${i}`);
  for (const n of names) log.intents.set(n, { uncertain: false });
  while (!shouldStop()) {
    const id = rng.pick(names);
    const intent = log.intents.get(id)!;
    const register = intent.registered !== true || intent.uncertain ? rng.next() < 0.6 : false;
    try {
      if (register) {
        await ok(base, 'PUT', '/v1/agent/service/register', JSON.stringify({ ID: id, Name: SERVICE_NAME, Port: 20000 + rng.int(1000), Tags: [node] }));
        log.registers++;
      } else {
        await ok(base, 'PUT', `/v1/agent/service/deregister/${id}`);
        log.deregisters++;
      }
      log.intents.set(id, { registered: register, uncertain: false });
      await sleep(30 + rng.int(120));
    } catch (err) {
      log.failed++;
      if (!isDefinite(err)) log.intents.set(id, { ...intent, uncertain: true });
      await sleep(250);
    }
  }
}

/** The agent's own services of our workload (GET /v1/agent/services). */
export async function agentServices(base: string): Promise<string[]> {
  const body = JSON.parse(await ok(base, 'GET', '/v1/agent/services')) as Record<string, { Service: string }>;
  return Object.entries(body)
    .filter(([, s]) => s.Service === SERVICE_NAME)
    .map(([id]) => id)
    .sort();
}

/** The catalog's instances of our workload on `node`, read through `base` (a consistent read). */
export async function catalogServices(base: string, node: string): Promise<string[]> {
  const r = await call(base, 'GET', `/v1/catalog/service/${SERVICE_NAME}?consistent`);
  if (r.status !== 200) throw new Error(`catalog: ${r.status} ${r.text}`);
  return (JSON.parse(r.text) as Array<{ Node: string; ServiceID: string }>)
    .filter((s) => s.Node === node)
    .map((s) => s.ServiceID)
    .sort();
}

/** Where the agent's own list contradicts its acknowledged operations. */
export function contradictions(log: RegistrarLog, held: readonly string[]): string[] {
  const out: string[] = [];
  for (const [id, intent] of log.intents) {
    if (intent.uncertain || intent.registered === undefined) continue;
    const has = held.includes(id);
    if (intent.registered && !has) out.push(`${log.node}: ${id} registered (acknowledged) but missing on the agent`);
    if (!intent.registered && has) out.push(`${log.node}: ${id} deregistered (acknowledged) but back on the agent`);
  }
  return out;
}

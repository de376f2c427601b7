// The agent's node ID as Consul keeps it: -node-id / node_id when given (a UUID, lower-cased),
// else the UUID saved in <data-dir>/node-id, else a new random UUID written there, so a restarted
// agent keeps its identity in the catalog. -dev has no data dir of its own: a fresh ID each run.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConfigError } from './config-sources.js';

/** Consul's uuid.ParseUUID checks (length, then dashes and hex digits), with its error texts. */
export function uuidProblem(id: string): string | undefined {
  if (id.length !== 36) return 'uuid string is wrong length';
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) return 'uuid is improperly formatted';
  return undefined;
}

export function resolveNodeId(configured: string, dataDir: string | undefined): string {
  if (configured !== '') {
    const id = configured.toLowerCase();
    const bad = uuidProblem(id);
    if (bad) throw new AgentConfigError(`failed to setup node ID: ${bad}`);
    return id;
  }
  if (!dataDir) return randomUUID();
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim().toLowerCase();
    const bad = uuidProblem(id);
    if (bad) throw new AgentConfigError(`failed to setup node ID: ${bad}`);
    return id;
  }
  const id = randomUUID();
  try {
    writeFileSync(file, id);
  } catch (err) {
    throw new AgentConfigError(`failed to setup node ID: failed to write NodeID to disk: ${(err as Error).message}`);
  }
  return id;
}

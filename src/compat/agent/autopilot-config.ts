// Autopilot's configuration (GET/PUT /v1/operator/autopilot/configuration): replicated in the
// system keyspace so every server answers the same; Consul's defaults until someone sets it
// (written once, as Consul's leader initialises it); ?cas=<ModifyIndex> sets it only if unchanged.
import type { Backend, Compare, RequestOp } from '../../adapters/backend.js';
import { SYSTEM, systemKey } from '../system-keys.js';
import { formatGoDuration, parseGoDurationNs } from './go-duration.js';
import { DefinitionError, JsonFields } from './json-fields.js';

export interface AutopilotConfig {
  CleanupDeadServers: boolean;
  /** Nanoseconds. */
  LastContactThreshold: number;
  MaxTrailingLogs: number;
  MinQuorum: number;
  /** Nanoseconds. */
  ServerStabilizationTime: number;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
}

export const DEFAULT_AUTOPILOT_CONFIG: AutopilotConfig = {
  CleanupDeadServers: true,
  LastContactThreshold: 200e6,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTime: 10e9,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
};

/** Outside the indexed tables (system-keys.ts): no Consul table index moves with it. */
const KEY = systemKey('operator/', 'autopilot-config');

export interface StoredAutopilotConfig {
  config: AutopilotConfig;
  createIndex: number;
  modifyIndex: number;
}

export function autopilotConfigJson(s: StoredAutopilotConfig): Record<string, unknown> {
  return {
    CleanupDeadServers: s.config.CleanupDeadServers,
    LastContactThreshold: formatGoDuration(s.config.LastContactThreshold),
    MaxTrailingLogs: s.config.MaxTrailingLogs,
    MinQuorum: s.config.MinQuorum,
    ServerStabilizationTime: formatGoDuration(s.config.ServerStabilizationTime),
    RedundancyZoneTag: s.config.RedundancyZoneTag,
    DisableUpgradeMigration: s.config.DisableUpgradeMigration,
    UpgradeVersionTag: s.config.UpgradeVersionTag,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

/** Decodes a PUT body (fields case-insensitive; durations as Go strings or nanoseconds). Throws DefinitionError. */
export function parseAutopilotConfig(raw: unknown): AutopilotConfig {
  const f = JsonFields.of(raw, 'AutopilotConfiguration');
  const uint = (name: string): number => {
    const v = f.int(name);
    if (v < 0) throw new DefinitionError(`json: cannot unmarshal number ${v} into Go struct field AutopilotConfiguration.${name} of type uint64`);
    return v;
  };
  return {
    CleanupDeadServers: f.bool('CleanupDeadServers'),
    LastContactThreshold: f.durationNs('LastContactThreshold', parseGoDurationNs),
    MaxTrailingLogs: uint('MaxTrailingLogs'),
    MinQuorum: uint('MinQuorum'),
    ServerStabilizationTime: f.durationNs('ServerStabilizationTime', parseGoDurationNs),
    RedundancyZoneTag: f.string('RedundancyZoneTag'),
    DisableUpgradeMigration: f.bool('DisableUpgradeMigration'),
    UpgradeVersionTag: f.string('UpgradeVersionTag'),
  };
}

const range = (): RequestOp => ({
  requestRange: {
    keyspace: SYSTEM,
    key: KEY,
    rangeEnd: Buffer.alloc(0),
    limit: 0,
    revision: 0,
    sortOrder: 0,
    sortTarget: 0,
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: 0,
    maxModRevision: 0,
    minCreateRevision: 0,
    maxCreateRevision: 0,
  },
});

const put = (c: AutopilotConfig): RequestOp => ({
  requestPut: { keyspace: SYSTEM, key: KEY, value: Buffer.from(JSON.stringify(c)), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false },
});

const modIs = (rev: number): Compare => ({ keyspace: SYSTEM, result: 0, target: 2, key: KEY, rangeEnd: Buffer.alloc(0), modRevision: rev });

export async function getAutopilotConfig(backend: Backend): Promise<StoredAutopilotConfig> {
  for (;;) {
    // Absent: write the defaults once (mod revision 0 = the key does not exist).
    const res = await backend.txn({ compare: [modIs(0)], success: [put(DEFAULT_AUTOPILOT_CONFIG), range()], failure: [range()] });
    const kv = res.responses[res.succeeded ? 1 : 0]?.responseRange?.kvs[0];
    if (!kv) continue;
    return { config: { ...DEFAULT_AUTOPILOT_CONFIG, ...(JSON.parse(kv.value.toString('utf8')) as Partial<AutopilotConfig>) }, createIndex: kv.createRevision, modifyIndex: kv.modRevision };
  }
}

/** Sets the configuration; with `cas`, only if its ModifyIndex is still `cas` (false otherwise). */
export async function setAutopilotConfig(backend: Backend, config: AutopilotConfig, cas?: number): Promise<boolean> {
  if (cas === undefined) {
    await backend.txn({ compare: [], success: [put(config)], failure: [] });
    return true;
  }
  await getAutopilotConfig(backend);
  const res = await backend.txn({ compare: [modIs(cas)], success: [put(config)], failure: [] });
  return res.succeeded;
}

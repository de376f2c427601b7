// What survives an agent restart, in its data dir as Consul keeps it: services/<sha256(id)> and
// checks/<sha256(id)> for everything registered through the API (config-file entries are read from
// the config again instead), and checks/state/<sha256(id)> with the last status of each TTL check
// until its TTL would have run out, so a restart inside the TTL does not flap the check critical.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckType, ServiceRecord } from './definitions.js';
import type { HealthCheckRecord } from './health-check.js';

export interface PersistedService {
  Service: ServiceRecord;
  Token: string;
  Source: 'remote';
}

export interface PersistedCheck {
  Check: HealthCheckRecord;
  ChkType?: CheckType;
  Token: string;
  Source: 'remote';
}

export interface PersistedCheckState {
  CheckID: string;
  Status: string;
  Output: string;
  /** Unix seconds. */
  Expires: number;
}

const sha = (id: string): string => createHash('sha256').update(id).digest('hex');

export class AgentPersistence {
  private readonly servicesDir: string;
  private readonly checksDir: string;
  private readonly stateDir: string;

  constructor(dataDir: string) {
    this.servicesDir = join(dataDir, 'services');
    this.checksDir = join(dataDir, 'checks');
    this.stateDir = join(dataDir, 'checks', 'state');
  }

  saveService(p: PersistedService): void {
    this.writeAtomic(this.servicesDir, sha(p.Service.ID), JSON.stringify(p));
  }

  removeService(id: string): void {
    rmSync(join(this.servicesDir, sha(id)), { force: true });
  }

  saveCheck(p: PersistedCheck): void {
    this.writeAtomic(this.checksDir, sha(p.Check.CheckID), JSON.stringify(p));
  }

  removeCheck(id: string): void {
    rmSync(join(this.checksDir, sha(id)), { force: true });
    this.removeCheckState(id);
  }

  saveCheckState(s: PersistedCheckState): void {
    this.writeAtomic(this.stateDir, sha(s.CheckID), JSON.stringify(s));
  }

  removeCheckState(id: string): void {
    rmSync(join(this.stateDir, sha(id)), { force: true });
  }

  /** The persisted TTL state of a check, if it has not expired (an expired one is purged). */
  loadCheckState(id: string): PersistedCheckState | undefined {
    const s = this.readJson<PersistedCheckState>(join(this.stateDir, sha(id)));
    if (!s) return undefined;
    if (Date.now() / 1000 >= s.Expires) {
      this.removeCheckState(id);
      return undefined;
    }
    return s;
  }

  loadServices(): PersistedService[] {
    return this.readAll<PersistedService>(this.servicesDir).filter((p) => typeof p.Service?.ID === 'string');
  }

  loadChecks(): PersistedCheck[] {
    return this.readAll<PersistedCheck>(this.checksDir).filter((p) => typeof p.Check?.CheckID === 'string');
  }

  private readAll<T>(dir: string): T[] {
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isFile() && !d.name.endsWith('tmp'))
        .map((d) => d.name);
    } catch {
      return [];
    }
    const out: T[] = [];
    for (const n of names) {
      const v = this.readJson<T>(join(dir, n));
      if (v) out.push(v);
    }
    return out;
  }

  private readJson<T>(file: string): T | undefined {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      return undefined; // missing or torn: Consul skips a file it cannot decode
    }
  }

  private writeAtomic(dir: string, name: string, text: string): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, name);
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}

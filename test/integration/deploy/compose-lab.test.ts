// docker-compose.yaml's `consul-lab` profile (the seed's Consul lab: 3 server agents, 2 client
// agents, the counting service beside each client). No container runtime here, so each dcsgw
// service's `command` is started as a process, re-addressed for one host: every container gets a
// 127.0.4.4x address (its service name and its own "localhost" resolve to it, it binds there, as a
// container binds its own network), its volumes become temporary directories (the config-dir
// mounts are the repository's files), and the counting image is a small HTTP server answering
// /health on the client's address. The lab must come up healthy: every compose healthcheck passes,
// all five agents are members, the published UI answers, and counting resolves on both clients.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, whichBinary, type ManagedProcess } from '../../support/index.js';

interface ComposeService {
  profiles?: string[];
  image?: string;
  command?: string[];
  volumes?: string[];
  network_mode?: string;
  healthcheck?: { test: string[] };
  ports?: string[];
}

const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const lab = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('consul-lab'));
const agents = lab.filter(([, s]) => s.image === 'dcsgw:latest');
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-compose-lab-'));
const servers: Server[] = [];

describe.skipIf(!hasDcsgwBuild())('docker-compose.yaml, profile consul-lab, as processes', () => {
  afterAll(async () => {
    await stopAllProcesses();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes up as the seed\'s lab: 3 servers, 2 clients, counting on both, healthy', async () => {
    expect(agents.map(([name]) => name)).toEqual(['consul-s1', 'consul-s2', 'consul-s3', 'consul-c1', 'consul-c2']);
    const addr = new Map(agents.map(([name], i) => [name, `127.0.4.${41 + i}`]));
    const procs = new Map<string, ManagedProcess>();
    // a container's own addresses become its address; other services' names (where the agent is
    // told to reach them: -join / -retry-join) become theirs
    const readdress = (text: string, self: string) => {
      let t = text.replace(/0\.0\.0\.0|localhost|127\.0\.0\.1/g, addr.get(self)!);
      const join = /^(-(?:retry-)?join=)(.+)$/.exec(t);
      if (join && addr.has(join[2]!)) t = `${join[1]}${addr.get(join[2]!)}`;
      return t;
    };
    for (const [name, svc] of agents) {
      const mounts = new Map<string, string>();
      for (const v of svc.volumes ?? []) {
        const [from, to] = v.split(':') as [string, string];
        if (from.startsWith('./')) {
          // a bind mount of the repository's files, re-addressed like everything else
          const copy = join(dir, `${name}-${to.replaceAll('/', '_')}`);
          cpSync(join(repoRoot(), from), copy, { recursive: true });
          for (const f of readdirSync(copy)) writeFileSync(join(copy, f), readdress(readFileSync(join(copy, f), 'utf8'), name));
          mounts.set(to, copy);
        } else {
          const vol = join(dir, from);
          mkdirSync(vol, { recursive: true });
          mounts.set(to, vol);
        }
      }
      const args = svc.command!.map((a) => {
        let v = readdress(a, name);
        for (const [to, local] of mounts) if (v.endsWith(`=${to}`)) v = v.slice(0, -to.length) + local;
        return v;
      });
      procs.set(name, spawnManaged(join(repoRoot(), 'bin', 'dcsgw'), [...args, `-bind=${addr.get(name)}`]));
    }
    // the counting image beside each client agent, on the client's address
    for (const [name, svc] of lab.filter(([, s]) => s.image?.startsWith('hashicorp/counting-service'))) {
      const host = addr.get(svc.network_mode!.replace('service:', ''))!;
      const server = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end(req.url === '/health' ? 'Hello, you\'ve hit /health\n' : ''));
      await new Promise<void>((resolve) => server.listen(9001, host, resolve));
      servers.push(server);
      expect(name).toMatch(/^counting-/);
    }

    // every compose healthcheck passes (run as the container would, against its own address)
    for (const [name, svc] of agents) {
      const [, cmd, ...rest] = svc.healthcheck!.test;
      await waitFor(() => {
        try {
          execFileSync(cmd === 'node' ? process.execPath : cmd!, rest.map((a) => readdress(a, name)), { stdio: 'ignore', timeout: 5000 });
          return true;
        } catch {
          return false;
        }
      }, { timeoutMs: 90_000, intervalMs: 1000, what: () => `${name} healthcheck\n${procs.get(name)!.output().slice(-2500)}` });
    }
    const c1 = `http://${addr.get('consul-c1')}:8500`;
    // every agent passing its own healthcheck does not mean c1 has heard of all of them yet
    const everyoneAlive = agents.map(([name]) => `${name}:1`).sort();
    let members: string[] = [];
    await waitFor(
      async () => {
        const got = (await fetch(`${c1}/v1/agent/members`).then((r) => r.json())) as Array<{ Name: string; Status: number }>;
        members = got.map((m) => `${m.Name}:${m.Status}`).sort();
        return members.join() === everyoneAlive.join();
      },
      { timeoutMs: 60_000, what: () => `all five alive in c1's members (last: ${members.join(', ')})` },
    );
    expect(members).toEqual(everyoneAlive);
    // the published UI (consul-s1's 8500)
    expect(compose.services['consul-s1']!.ports).toContain('8500:8500');
    expect((await fetch(`http://${addr.get('consul-s1')}:8500/ui/`)).status).toBe(200);
    // counting passes its HTTP check on both clients and resolves through a client's DNS
    await waitFor(async () => {
      const healthy = (await fetch(`${c1}/v1/health/service/counting?passing`).then((r) => r.json())) as unknown[];
      return healthy.length === 2;
    }, { timeoutMs: 60_000, what: 'counting passing on both clients' });
    if (whichBinary('dig')) {
      const dig = execFileSync('dig', [`@${addr.get('consul-c2')}`, '-p', '8600', 'counting.service.consul', '+short'], { encoding: 'utf8' }).trim().split('\n').sort();
      expect(dig).toEqual([addr.get('consul-c1'), addr.get('consul-c2')]);
    }
  }, 180_000);
});

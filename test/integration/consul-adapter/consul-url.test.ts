// consul:// and consuls:// --backend URLs (src/adapters/consul-url.ts): the forms, the refusals,
// and what the adapter then sends: the ACL token as X-Consul-Token and ?dc= on every request (seen
// by a recording HTTP server), failover past an agent that does not answer (a dcsgw agent as the
// live one), and consuls:// with a CA and a client certificate (an HTTPS front that requires client
// certificates, as a TLS-terminating proxy before Consul, relaying to a dcsgw agent).
import { readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUrlError, parseBackendUrl } from '../../../src/adapters/backend-url.js';
import { createConsulBackend } from '../../../src/adapters/consul.js';
import { openBackend } from '../../../src/adapters/open-backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { allocatePorts, hasDcsgwBuild, stopAllProcesses } from '../../support/index.js';
import { makePki } from '../tls/tls-support.js';
import { CONSUL_ADAPTER_PORTS, startConsulAgent } from './consul-agent.js';

afterAll(async () => {
  await stopAllProcesses();
});

describe('consul:// URLs', () => {
  it('several agents, token, datacenter; consuls:// with TLS files; the token never shown', () => {
    const t = parseBackendUrl('consul://10.0.0.1:8500,10.0.0.2:8500?token=s3cret&dc=east');
    expect(t.kind).toBe('consul');
    expect(t.options).toEqual({ agents: ['10.0.0.1:8500', '10.0.0.2:8500'], token: 's3cret', datacenter: 'east' });
    expect(t.display).toBe('consul://10.0.0.1:8500,10.0.0.2:8500?token=***&dc=east');
    const s = parseBackendUrl('consuls://[::1]:8501/?cacert=/ca.pem&cert=/c.pem&key=/c.key');
    expect(s.options).toEqual({ agents: ['[::1]:8501'], tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/c.key' } });
    expect(parseBackendUrl('consuls://h:8501?insecure-skip-tls-verify=true').options).toEqual({ agents: ['h:8501'], tls: { insecureSkipVerify: true } });
    expect(parseBackendUrl('consuls://h:8501').options).toEqual({ agents: ['h:8501'], tls: {} });
  });

  it('refuses what it cannot use, saying why', () => {
    const cases: Array<[string, string]> = [
      ['consul://', 'no host:port given'],
      ['consul://host', '"host" is not host:port'],
      ['consul://u:p@host:8500', 'Consul takes an ACL token, not user:password@: use ?token='],
      ['consul://host:8500?wait=5s', 'unknown option "wait"'],
      ['consul://host:8500?cacert=/ca.pem', '"cacert" needs consuls:// (HTTPS)'],
      ['consuls://host:8500?cert=/c.pem', 'cert and key go together'],
    ];
    for (const [url, message] of cases) {
      expect(() => parseBackendUrl(url), url).toThrow(BackendUrlError);
      expect(() => parseBackendUrl(url), url).toThrow(message);
    }
  });

  it('sends the token as X-Consul-Token and ?dc= on every request', async () => {
    const seen: Array<{ url: string; token: string | undefined }> = [];
    const server: Server = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-consul-token'] as string | undefined });
      const path = (req.url ?? '').split('?')[0]!;
      res.setHeader('X-Consul-Index', '7');
      if (path === '/v1/status/leader') return res.end('"127.0.0.1:8300"');
      if (path === '/v1/agent/self') return res.end('{"Config":{"NodeID":"2f1c7d3e-5b1a-4c1e-9d7a-3a1f0e6b9c01","Datacenter":"east"}}');
      if (path === '/v1/txn') return res.end('{"Results":[{"KV":{"Key":"_dcsgw/revision","CreateIndex":7,"ModifyIndex":7}}],"Errors":null}');
      res.statusCode = 404;
      res.end();
    });
    const [port] = await allocatePorts(1, CONSUL_ADAPTER_PORTS);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const target = parseBackendUrl(`consul://127.0.0.1:${port}?token=t0k3n&dc=east`);
      const backend = openBackend(target);
      await backend.ready(5000);
      await backend.range(rangeRequest(Buffer.from('some/key')));
      await backend.close();
      expect(seen.length).toBeGreaterThanOrEqual(5);
      for (const r of seen) {
        expect(r.token, r.url).toBe('t0k3n');
        expect(r.url, r.url).toMatch(/[?&]dc=east(&|$)/);
      }
      expect(backend.header().revision).toBe(7);
    } finally {
      server.close();
    }
  });

  it.skipIf(!hasDcsgwBuild())('fails over past an agent that does not answer', async () => {
    const agent = await startConsulAgent('failover');
    const [dead] = await allocatePorts(1, CONSUL_ADAPTER_PORTS); // reserved, nothing listens there
    const backend = createConsulBackend({ agents: [`127.0.0.1:${dead}`, agent.address] });
    try {
      await backend.ready(10_000);
      const put = await backend.put(putRequest(Buffer.from('failover/k'), Buffer.from('v')));
      const got = await backend.range(rangeRequest(Buffer.from('failover/k')));
      expect(got.kvs.map((kv) => [kv.value.toString(), kv.modRevision])).toEqual([['v', put.header.revision]]);
      expect(backend.http.origin).toBe(agent.url);
    } finally {
      await backend.close();
      await agent.proc.stop();
    }
  });

  it.skipIf(!hasDcsgwBuild())('consuls:// with cacert, cert and key reaches Consul over mutual TLS; without the client certificate it is refused', async () => {
    const agent = await startConsulAgent('tls');
    const pki = makePki();
    const front = createHttpsServer(
      { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const up = httpRequest(`${agent.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(up);
      },
    );
    const [port] = await allocatePorts(1, CONSUL_ADAPTER_PORTS);
    await new Promise<void>((r) => front.listen(port, '127.0.0.1', r));
    try {
      const withCert = openBackend(parseBackendUrl(`consuls://127.0.0.1:${port}?cacert=${pki.ca}&cert=${pki.clientCert}&key=${pki.clientKey}`));
      await withCert.ready(10_000);
      const put = await withCert.put(putRequest(Buffer.from('tls/k'), Buffer.from('over-tls')));
      expect(put.header.revision).toBeGreaterThan(0);
      expect((await (await fetch(`${agent.url}/v1/kv/tls/k?raw`)).text())).toBe('over-tls');
      await withCert.close();
      const noCert = openBackend(parseBackendUrl(`consuls://127.0.0.1:${port}?cacert=${pki.ca}`));
      await expect(noCert.ready(1500)).rejects.toThrow();
      await noCert.close();
    } finally {
      front.close();
      await agent.proc.stop();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});

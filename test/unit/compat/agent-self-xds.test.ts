// The xDS block of /v1/agent/self follows the agent's gRPC ports as Consul reports them.
import { describe, expect, it } from 'vitest';
import { xdsSelf, type SelfIdentity } from '../../../src/compat/agent/agent-self.js';

function identity(config: Record<string, unknown>): SelfIdentity {
  return {
    nodeName: 'n1',
    nodeId: '00000000-0000-0000-0000-000000000001',
    datacenter: 'dc1',
    domain: 'consul.',
    advertiseAddr: '127.0.0.1',
    server: true,
    ports: { http: 8500, dns: 8600, serfLan: 8301, server: 8300, etcd: 2379 },
    consulVersion: '1.22.1',
    config,
  };
}

describe('xdsSelf', () => {
  it('-dev (grpc 8502, grpc_tls 8503): Port prefers TLS, both ports listed', () => {
    expect(xdsSelf(identity({ ports: { grpc: 8502, grpc_tls: 8503 } }))).toMatchObject({ Port: 8503, Ports: { Plaintext: 8502, TLS: 8503 } });
  });

  it("Consul's defaults when nothing is configured: plaintext off, TLS 8503", () => {
    expect(xdsSelf(identity({}))).toMatchObject({ Port: 8503, Ports: { Plaintext: -1, TLS: 8503 } });
  });

  it('falls back to the plaintext port when gRPC-TLS is disabled', () => {
    expect(xdsSelf(identity({ ports: { grpc: 9502, grpc_tls: -1 } }))).toMatchObject({ Port: 9502, Ports: { Plaintext: 9502, TLS: -1 } });
    expect(xdsSelf(identity({ ports: { grpc: 0, grpc_tls: 0 } }))).toMatchObject({ Port: -1, Ports: { Plaintext: -1, TLS: -1 } });
  });

  it('lists the Envoy versions newest first', () => {
    const envoy = xdsSelf(identity({})).SupportedProxies.envoy!;
    expect(envoy.length).toBe(4);
    const majors = envoy.map((v) => Number(v.split('.')[1]));
    expect([...majors].sort((a, b) => b - a)).toEqual(majors);
  });
});

// /v1/agent/self and /v1/agent/members follow the agent's configured ports as Consul reports them:
// the xDS block its gRPC ports, the WAN member and its wan_join_port tag the serf WAN port.
import { describe, expect, it } from 'vitest';
import { debugConfig, localMember, serfWanPort, xdsSelf, type SelfIdentity } from '../../../src/compat/agent/agent-self.js';

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

describe('serf WAN port', () => {
  it('is ports.serf_wan when configured, 8302 otherwise, in the member tags and DebugConfig too', () => {
    const id = identity({ ports: { serf_wan: 17505 } });
    expect(serfWanPort(id)).toBe(17505);
    expect(localMember(id).Tags.wan_join_port).toBe('17505');
    expect(debugConfig(id, undefined).SerfAdvertiseAddrWAN).toBe('tcp://127.0.0.1:17505');
    expect(serfWanPort(identity({}))).toBe(8302);
    expect(localMember(identity({})).Tags.wan_join_port).toBe('8302');
  });
});

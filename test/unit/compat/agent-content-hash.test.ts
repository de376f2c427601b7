// The ContentHash of /v1/agent/service/:id against values computed by Go's mitchellh/hashstructure
// over api.AgentService (the first one is the Go client's own TestAPI_AgentService expectation).
import { describe, expect, it } from 'vitest';
import { agentServiceContentHash } from '../../../src/compat/agent/content-hash.js';

describe('agentServiceContentHash', () => {
  it("equals the Go client's expectation for TestAPI_AgentService", () => {
    expect(
      agentServiceContentHash({ ID: 'foo', Service: 'foo', Tags: ['bar', 'baz'], Port: 8000, Address: '', Weights: { Passing: 1, Warning: 1 }, Meta: {}, EnableTagOverride: false }),
    ).toBe('1d5d568c14309fa8');
  });

  it('covers maps, tagged addresses, weights, socket path and Connect.Native as hashstructure does', () => {
    expect(
      agentServiceContentHash({
        ID: 'web-1',
        Service: 'web',
        Tags: [],
        Port: 80,
        Address: '10.0.0.1',
        SocketPath: '/tmp/s.sock',
        TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 }, wan: { Address: '1.2.3.4', Port: 8080 } },
        Weights: { Passing: 3, Warning: 2 },
        EnableTagOverride: true,
        Meta: { a: 'b', c: 'd' },
        Connect: { Native: true },
      }),
    ).toBe('f2243c64f4088582');
    expect(agentServiceContentHash({ ID: 'x', Service: 'x', Tags: ['t'], Port: 0, Address: '', Weights: { Passing: 1, Warning: 1 }, Meta: {}, EnableTagOverride: false })).toBe(
      '746194f538ba8674',
    );
  });
});

// Small hand-made register histories and the Jepsen log parser.
import { describe, expect, test } from 'vitest';
import { checkLinearizable } from '../../support/linearizability/check.js';
import { parseJepsenRegisterLog } from '../../support/linearizability/jepsen-log.js';
import {
  registerModel,
  type RegisterInput,
  type RegisterOperation,
  type RegisterOutput,
} from '../../support/linearizability/models/register.js';

function op(clientId: number, call: number, ret: number, input: RegisterInput, output?: RegisterOutput): RegisterOperation {
  return { clientId, call, return: ret, input, output };
}

describe('register model', () => {
  test('a read concurrent with a write may see either value', () => {
    for (const seen of [null, 1]) {
      const h = [
        op(0, 0, 10, { kind: 'write', value: 1 }, { kind: 'write' }),
        op(1, 5, 6, { kind: 'read' }, { kind: 'read', value: seen }),
      ];
      expect(checkLinearizable(registerModel, h).ok).toBe(true);
    }
  });

  test('a stale read after a completed write is refuted', () => {
    const h = [
      op(0, 0, 1, { kind: 'write', value: 1 }, { kind: 'write' }),
      op(0, 2, 3, { kind: 'write', value: 2 }, { kind: 'write' }),
      op(1, 4, 5, { kind: 'read' }, { kind: 'read', value: 1 }),
    ];
    const result = checkLinearizable(registerModel, h);
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.counterexample?.blockedOperation).toContain('read -> 1');
  });

  test('an unknown-outcome write may take effect late, or never', () => {
    const write = op(0, 0, Infinity, { kind: 'write', value: 7 });
    const late = [
      write,
      op(1, 1, 2, { kind: 'read' }, { kind: 'read', value: null }),
      op(1, 3, 4, { kind: 'read' }, { kind: 'read', value: 7 }),
    ];
    expect(checkLinearizable(registerModel, late).ok).toBe(true);
    const never = [write, op(1, 100, 101, { kind: 'read' }, { kind: 'read', value: null })];
    expect(checkLinearizable(registerModel, never).ok).toBe(true);
    // ...but it cannot un-happen once observed.
    const flicker = [...late, op(1, 5, 6, { kind: 'read' }, { kind: 'read', value: null })];
    expect(checkLinearizable(registerModel, flicker).ok).toBe(false);
  });

  test('a failed cas means the comparison was false at its linearization point', () => {
    const h = [
      op(0, 0, 1, { kind: 'write', value: 3 }, { kind: 'write' }),
      op(1, 2, 3, { kind: 'cas', from: 3, to: 4 }, { kind: 'cas', ok: false }),
    ];
    expect(checkLinearizable(registerModel, h).ok).toBe(false);
    const concurrent = [...h.slice(0, 1), op(2, 1.5, 2.5, { kind: 'write', value: 9 }, { kind: 'write' }), h[1]!];
    expect(checkLinearizable(registerModel, concurrent).ok).toBe(true);
  });

  test('keys are independent registers (checked per partition)', () => {
    const h = [
      op(0, 0, 1, { kind: 'write', key: 'a', value: 1 }, { kind: 'write' }),
      op(1, 2, 3, { kind: 'read', key: 'b' }, { kind: 'read', value: null }),
      op(1, 4, 5, { kind: 'read', key: 'a' }, { kind: 'read', value: 1 }),
    ];
    const result = checkLinearizable(registerModel, h);
    expect(result).toMatchObject({ ok: true, partitions: 2, operations: 3 });
  });

  test('a search that cannot finish in its budget reports timedOut, not a verdict', () => {
    // Many concurrent unknown writes and reads of values in an impossible order: exponential.
    const h: RegisterOperation[] = [];
    for (let c = 0; c < 40; c++) h.push(op(c, 0, Infinity, { kind: 'write', value: c }));
    for (let i = 0; i < 40; i++) h.push(op(100 + i, 1 + i, 1.5 + i, { kind: 'read' }, { kind: 'read', value: (i * 7) % 40 }));
    h.push(op(999, 100, 101, { kind: 'read' }, { kind: 'read', value: 1000 }));
    const result = checkLinearizable(registerModel, h, { timeoutMs: 50 });
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(true);
  });
});

describe('Jepsen log parser', () => {
  test('pairs invocations with completions per process; :info is unknown; :fail cas is a failed compare', () => {
    const log = [
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]',
      'INFO  jepsen.util - 2\t:invoke\t:write\t4',
      'INFO  jepsen.util - 0\t:ok\t:read\t3',
      'INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]',
      'INFO  jepsen.util - 2\t:info\t:write\t:timed-out',
      'INFO  jepsen.util - 3\t:invoke\t:read\tnil',
      '',
    ].join('\n');
    const ops = parseJepsenRegisterLog(log);
    expect(ops).toEqual([
      { clientId: 0, input: { kind: 'read' }, output: { kind: 'read', value: 3 }, call: 0, return: 3 },
      { clientId: 1, input: { kind: 'cas', from: 3, to: 0 }, output: { kind: 'cas', ok: false }, call: 1, return: 4 },
      { clientId: 2, input: { kind: 'write', value: 4 }, output: undefined, call: 2, return: Infinity },
      { clientId: 3, input: { kind: 'read' }, output: undefined, call: 6, return: Infinity },
    ]);
  });

  test('rejects a line that is not an operation', () => {
    expect(() => parseJepsenRegisterLog('hello')).toThrow(/line 1/);
  });
});

// The checker against the Jepsen etcd register histories with known verdicts (23 linearizable,
// 79 not): every verdict must be reproduced, well inside a per-history time budget.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLinearizable } from '../../support/linearizability/check.js';
import { parseJepsenRegisterLog } from '../../support/linearizability/jepsen-log.js';
import { registerModel } from '../../support/linearizability/models/register.js';

const DIR = '/work/shared/data/jepsen-etcd-histories';
const VERDICTS = join(DIR, 'verdicts.tsv');
const present = existsSync(VERDICTS);
if (!present) console.warn(`skipping Jepsen history checks: ${VERDICTS} is absent`);

const verdicts: [string, string][] = present
  ? readFileSync(VERDICTS, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('\t') as [string, string])
  : [];

describe.skipIf(!present)('Jepsen etcd register histories', () => {
  test('the verdict list covers 102 histories, 23 linearizable and 79 not', () => {
    expect(verdicts).toHaveLength(102);
    expect(verdicts.filter(([, v]) => v === 'linearizable')).toHaveLength(23);
    expect(verdicts.filter(([, v]) => v === 'not-linearizable')).toHaveLength(79);
  });

  test.each(verdicts)('%s is %s', (file, expected) => {
    const ops = parseJepsenRegisterLog(readFileSync(join(DIR, file), 'utf8'));
    expect(ops.length).toBeGreaterThan(0);
    const result = checkLinearizable(registerModel, ops, { timeoutMs: 15_000 });
    expect(result.timedOut).toBe(false);
    expect(result.ok ? 'linearizable' : 'not-linearizable').toBe(expected);
    if (!result.ok) {
      // A refutation names the operation that could not be placed.
      expect(result.counterexample?.blockedOperation).toMatch(/^client \d+ /);
    }
  });
});

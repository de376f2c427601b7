// The exceptions table of README.md and the one of exceptions.ts must say the same thing: readers
// see the table, the suite runs the other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_EXCEPTIONS } from './exceptions.js';

describe('the contract exceptions table', () => {
  it('README.md lists exactly the exceptions the suite runs', () => {
    const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');
    const table = readme.split('<!-- exceptions:begin -->')[1]!.split('<!-- exceptions:end -->')[0]!;
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| backend') && !l.startsWith('|---'))
      .map((l) => l.slice(2, -2).split(' | '))
      .map(([backend, title, reason]) => [backend, title, reason]);
    const expected = Object.entries(CONTRACT_EXCEPTIONS).flatMap(([backend, cases]) => Object.entries(cases).map(([title, reason]) => [backend, title, reason]));
    expect(rows).toEqual(expected);
  });
});

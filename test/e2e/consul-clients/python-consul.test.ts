// Genuine Python Consul clients against the Consul face: Debian's python3-consul 0.7.1 (what
// Debian's Patroni uses; it sends GET for some agent calls) and py-consul from PyPI, each running
// the same cases (python_consul_cases.py), which print one line per case.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { debianPythonConsul, pyConsulEnv } from './python-env.js';

const CASES = join(import.meta.dirname, 'python_consul_cases.py');
const pexec = promisify(execFile);

let face: ConsulFace;
beforeAll(async () => {
  face = await startConsulFace();
});
afterAll(async () => {
  await face?.close();
});

async function runCases(python: string, prefix: string): Promise<{ lines: string[]; summary: string }> {
  const { stdout } = await pexec(python, [CASES, String(face.http.address.port), face.ctx.agent.nodeName, prefix], { timeout: 120_000 }).catch(
    (err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout ?? ''}${err.stderr ? `\nstderr: ${err.stderr}` : ''}` }),
  );
  const lines = stdout.trim().split('\n');
  return { lines, summary: lines.at(-1) ?? '' };
}

const debian = debianPythonConsul();
const pyConsul = pyConsulEnv();

describe.skipIf('skip' in debian)(`python3-consul (Debian 0.7.1)${'skip' in debian ? `: ${debian.skip}` : ''}`, () => {
  it('passes every case', async () => {
    const { lines, summary } = await runCases((debian as { python: string }).python, 'debian');
    console.log(`python3-consul: ${summary}`);
    expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([summary]);
    expect(summary).toMatch(/^\d+ passed, 0 failed$/);
  });
});

describe.skipIf('skip' in pyConsul)(`py-consul (PyPI)${'skip' in pyConsul ? `: ${pyConsul.skip}` : ''}`, () => {
  it('passes every case', async () => {
    const { lines, summary } = await runCases((pyConsul as { python: string }).python, 'pypi');
    console.log(`py-consul: ${summary}`);
    expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([summary]);
    expect(summary).toMatch(/^\d+ passed, 0 failed$/);
  });
});

// Python environments for the genuine Python Consul clients: Debian's python3-consul (imported by
// /usr/bin/python3) and py-consul from PyPI in a virtualenv kept in the OS temp dir (made once,
// reused by later runs on the same machine). Returns undefined, with the reason, when a piece
// cannot be had, so the suite skips with one clear line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PY_CONSUL_VERSION = '1.8.0';

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

/** /usr/bin/python3 when Debian's python3-consul is importable by it. */
export function debianPythonConsul(): { python: string } | { skip: string } {
  const python = '/usr/bin/python3';
  try {
    run(python, ['-c', 'import consul']);
    return { python };
  } catch {
    return { skip: 'Debian python3-consul is not installed (apt-get install python3-consul)' };
  }
}

export interface PyConsulEnv {
  python: string;
  /** py-consul's unpacked sdist: its own tests/ and top-level conftest.py. */
  sourceDir: string;
}

/** A virtualenv with py-consul and what its own test suite imports, plus its unpacked sdist. */
export function pyConsulEnv(): PyConsulEnv | { skip: string } {
  const root = join(tmpdir(), `dcsgw-py-consul-${PY_CONSUL_VERSION}`);
  const venv = join(root, 'venv');
  const python = join(venv, 'bin', 'python');
  const sourceDir = join(root, `py_consul-${PY_CONSUL_VERSION}`);
  try {
    mkdirSync(root, { recursive: true });
    if (!existsSync(join(root, '.installed'))) {
      run('python3', ['-m', 'venv', venv]);
      run(python, ['-m', 'pip', 'install', '-q', `py-consul==${PY_CONSUL_VERSION}`, 'pytest', 'pytest-asyncio', 'aiohttp', 'requests', 'packaging']);
      run('touch', [join(root, '.installed')]);
    }
    if (!existsSync(join(sourceDir, 'tests'))) {
      const dl = join(root, 'dl');
      run(python, ['-m', 'pip', 'download', '-q', '--no-deps', '--no-binary', ':all:', `py-consul==${PY_CONSUL_VERSION}`, '-d', dl]);
      const archive = readdirSync(dl).find((f) => f.endsWith('.tar.gz'));
      if (!archive) return { skip: 'py-consul sdist not downloadable' };
      run('tar', ['xzf', join(dl, archive), '-C', root]);
    }
    return { python, sourceDir };
  } catch (err) {
    return { skip: `py-consul environment unavailable (PyPI unreachable?): ${(err as Error).message.split('\n')[0]}` };
  }
}

// --profile: node targets run with --cpu-prof; after the run, the hottest functions (self time)
// of each member's profile are printed, so a CPU-per-op gap can be traced to code. V8 samples on a
// wall clock: on a machine shared with other load, time the process spent descheduled is charged
// to whatever frame was running, so treat small percentages with care.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Top `limit` functions by self time of every .cpuprofile in `dir`, as printable lines. */
export function summarizeProfiles(dir: string, limit = 25): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const selfUs = new Map<number, number>();
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i] as number;
      selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
    const byFunction = new Map<string, number>();
    let busy = 0;
    for (const n of p.nodes) {
      const us = selfUs.get(n.id) ?? 0;
      const name = n.callFrame.functionName || '(anonymous)';
      if (name === '(idle)') continue;
      busy += us;
      const where = n.callFrame.url ? `${n.callFrame.url.replace(/^file:\/\//, '').split('/').slice(-3).join('/')}:${n.callFrame.lineNumber + 1}` : '';
      const key = `${name} ${where}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
    lines.push(`\n${file}: ${(busy / 1e6).toFixed(1)} s busy`);
    for (const [k, us] of [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      lines.push(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
  return lines;
}

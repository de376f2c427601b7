// Reads /work/shared/reference/etcd-failover-lab.md (genuine etcd 3.4.23, recorded) into steps of
// commands with their output and exit code, and translates a dcsgw run's output into the lab's
// addresses and IDs, so the two can be compared line by line.

export interface LabCommand {
  /** The etcdctl arguments after --endpoints=... */
  args: string;
  /** Output as recorded (stdout and stderr interleaved, as the lab captured them). */
  output: string[];
  rc: number;
}

/** Step number -> commands, in the recorded order. */
export function parseLab(markdown: string): Map<number, LabCommand[]> {
  const steps = new Map<number, LabCommand[]>();
  let step = -1;
  let current: LabCommand | undefined;
  for (const line of markdown.split('\n')) {
    const header = /^### (\d+)\./.exec(line);
    if (header) {
      step = Number(header[1]);
      steps.set(step, []);
      continue;
    }
    const cmd = /^\$ ETCDCTL_API=3 etcdctl --endpoints=\S+ (.*)$/.exec(line);
    if (cmd && step >= 0) {
      current = { args: cmd[1]!, output: [], rc: -1 };
      steps.get(step)!.push(current);
      continue;
    }
    const rc = /^\[rc=(\d+), /.exec(line);
    if (rc && current) {
      current.rc = Number(rc[1]);
      current = undefined;
      continue;
    }
    if (current) current.output.push(line);
  }
  return steps;
}

export function findCommand(steps: Map<number, LabCommand[]>, step: number, args: string): LabCommand {
  const found = steps.get(step)?.find((c) => c.args === args);
  if (!found) throw new Error(`the lab has no "${args}" in step ${step}`);
  return found;
}

/** Replaces every occurrence of the keys by their values (longest keys first, so ports do not clash). */
export function translate(text: string, mapping: ReadonlyMap<string, string>): string {
  const keys = [...mapping.keys()].sort((a, b) => b.length - a.length);
  let out = text;
  for (const k of keys) out = out.split(k).join(mapping.get(k)!);
  return out;
}

/** etcdctl's client-side warning lines (JSON, with timestamps and UUIDs that vary) are left out. */
export function withoutClientWarnings(lines: readonly string[]): string[] {
  return lines.filter((l) => !l.startsWith('{"level":"warn"') && l.trim() !== '');
}

export interface TableRow {
  [column: string]: string;
}

/** An etcdctl --write-out=table table as rows keyed by column header. */
export function parseTable(lines: readonly string[]): TableRow[] {
  const rows = lines.filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  if (rows.length === 0) return [];
  const [head, ...body] = rows;
  return body.map((cells) => Object.fromEntries(head!.map((h, i) => [h, cells[i] ?? ''])));
}

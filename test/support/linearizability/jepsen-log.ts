// Parser of Jepsen's etcd register logs (the knossos / Porcupine test data):
//   INFO  jepsen.util - <process>\t:<invoke|ok|fail|info>\t:<read|write|cas>\t<value | nil | [old new] | :timed-out>
// Times are line indices. :fail of a cas means the comparison failed (no effect); :info means the
// outcome is unknown (return at +Infinity); an invoke never completed is unknown too.
import type { RegisterInput, RegisterOperation, RegisterOutput, RegisterValue } from './models/register.js';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$/;

function parseValue(text: string, lineNo: number): RegisterValue {
  if (text === 'nil') return null;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`line ${lineNo}: bad value ${JSON.stringify(text)}`);
  return n;
}

function parsePair(text: string, lineNo: number): [RegisterValue, RegisterValue] {
  const m = /^\[(\S+) (\S+)\]$/.exec(text);
  if (!m) throw new Error(`line ${lineNo}: bad cas argument ${JSON.stringify(text)}`);
  return [parseValue(m[1]!, lineNo), parseValue(m[2]!, lineNo)];
}

export function parseJepsenRegisterLog(text: string): RegisterOperation[] {
  const pending = new Map<number, { input: RegisterInput; call: number }>();
  const ops: RegisterOperation[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trimEnd();
    if (line === '') return;
    const lineNo = index + 1;
    const m = LINE.exec(line);
    if (!m) throw new Error(`line ${lineNo}: not a jepsen.util operation line: ${JSON.stringify(line)}`);
    const process = Number(m[1]);
    const type = m[2]!;
    const f = m[3]!;
    const arg = m[4]!;
    if (type === 'invoke') {
      if (pending.has(process)) throw new Error(`line ${lineNo}: process ${process} invoked twice`);
      const input: RegisterInput =
        f === 'read'
          ? { kind: 'read' }
          : f === 'write'
            ? { kind: 'write', value: parseValue(arg, lineNo) }
            : (() => {
                const [from, to] = parsePair(arg, lineNo);
                return { kind: 'cas', from, to } as const;
              })();
      pending.set(process, { input, call: index });
      return;
    }
    const started = pending.get(process);
    if (!started) throw new Error(`line ${lineNo}: completion without invoke for process ${process}`);
    pending.delete(process);
    if (started.input.kind !== f) throw new Error(`line ${lineNo}: completes :${f} but :${started.input.kind} was invoked`);
    let output: RegisterOutput | undefined;
    let ret = index;
    if (type === 'info') {
      output = undefined;
      ret = Infinity;
    } else if (f === 'read') {
      if (type === 'fail') return; // a failed read has no effect: drop it
      output = { kind: 'read', value: parseValue(arg, lineNo) };
    } else if (f === 'write') {
      if (type === 'fail') return; // a failed write did not happen
      output = { kind: 'write' };
    } else {
      output = { kind: 'cas', ok: type === 'ok' };
    }
    ops.push({ clientId: process, input: started.input, output, call: started.call, return: ret });
  });
  for (const [process, started] of pending) {
    ops.push({ clientId: process, input: started.input, output: undefined, call: started.call, return: Infinity });
  }
  return ops;
}

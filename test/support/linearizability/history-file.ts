// Saving and loading recorded histories (JSON; an unknown return time is stored as null), so a
// failing nemesis run can be checked again offline: checkLinearizable(model, loadHistory(path)).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Operation } from './types.js';

interface StoredOperation<I, O> {
  clientId: number | string;
  input: I;
  output: O | null;
  call: number;
  return: number | null;
}

export function saveHistory<I, O>(path: string, ops: readonly Operation<I, O>[]): void {
  const stored: StoredOperation<I, O>[] = ops.map((op) => ({
    clientId: op.clientId,
    input: op.input,
    output: op.output ?? null,
    call: op.call,
    return: op.return === Infinity ? null : op.return,
  }));
  writeFileSync(path, JSON.stringify(stored));
}

export function loadHistory<I, O>(path: string): Operation<I, O>[] {
  const stored = JSON.parse(readFileSync(path, 'utf8')) as StoredOperation<I, O>[];
  return stored.map((op) => ({
    clientId: op.clientId,
    input: op.input,
    output: op.output ?? undefined,
    call: op.call,
    return: op.return ?? Infinity,
  }));
}

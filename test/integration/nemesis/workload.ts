// The client side of a nemesis run: concurrent clients, each bound to one member, issuing
// gets, puts of unique values, deletes and compare-and-swap txns on a few keys, every operation recorded
// with its call and return time for the linearizability check.
import { HistoryRecorder, type KvCompare, type KvInput, type KvOutput } from '../../support/linearizability/index.js';
import { sleep } from '../../support/index.js';
import type { EtcdKvClient } from './etcd-kv-client.js';
import type { Random } from './random.js';

export type KvRecorder = HistoryRecorder<KvInput, KvOutput>;

export async function runClient(
  id: number,
  client: EtcdKvClient,
  keys: readonly string[],
  recorder: KvRecorder,
  rng: Random,
  shouldStop: () => boolean,
): Promise<void> {
  let seq = 0;
  const lastSeen = new Map<string, { value: string; modRevision: number }>();
  while (!shouldStop()) {
    if (!client.isConnected()) {
      // the member is down: do not send what could not arrive (it would only add unknowns)
      await sleep(50);
      continue;
    }
    const key = rng.pick(keys);
    const roll = rng.next();
    let output: KvOutput | undefined;
    if (roll < 0.45) {
      output = await recorder.record(id, { kind: 'get', key }, () => client.get(key), { failureHasNoEffect: true });
      if (output?.kind === 'get') {
        if (output.value !== undefined && output.modRevision !== undefined) lastSeen.set(key, { value: output.value, modRevision: output.modRevision });
        else lastSeen.delete(key);
      }
    } else if (roll < 0.5) {
      output = await recorder.record(id, { kind: 'delete', key }, () => client.delete(key));
    } else if (roll < 0.78) {
      const value = `c${id}.${seq++}`;
      output = await recorder.record(id, { kind: 'put', key, value }, () => client.put(key, value));
    } else {
      const seen = lastSeen.get(key);
      const compare: KvCompare =
        seen === undefined
          ? { target: 'modRevision', modRevision: 0 }
          : rng.next() < 0.5
            ? { target: 'modRevision', modRevision: seen.modRevision }
            : { target: 'value', value: seen.value };
      const value = `c${id}.${seq++}`;
      output = await recorder.record(id, { kind: 'cas', key, compare, value }, () => client.cas(key, compare, value));
    }
    // after a failure, back off: a paused or cut-off member would otherwise collect a pile of
    // operations of unknown outcome; otherwise a short pause keeps the shared CPUs usable
    await sleep(output === undefined ? 250 : 5 + rng.int(15));
  }
}

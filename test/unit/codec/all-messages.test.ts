// Every message of proto/etcd, on seeded random values generated from its schema: the codec the
// server uses produces protobufjs' bytes exactly and decodes them back to the same object, and the
// JSON codec round-trips it.
import { describe, expect, it } from 'vitest';
import { binaryCodec, jsonCodecOf, referenceCodec } from '../../../src/gateway/etcd/codec/index.js';
import { allMessageNames, messageSchema, type FieldInfo, type MessageSchema } from '../../../src/gateway/etcd/codec/schema.js';
import { mulberry32 as prng } from '../../support/prng.js';

class Gen {
  constructor(readonly rnd: () => number) {}
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }
  scalar(f: FieldInfo): unknown {
    switch (f.kind) {
      case 'bytes': {
        const n = this.pick([0, 1, 3, 200]);
        return Buffer.from(Array.from({ length: n }, () => Math.floor(this.rnd() * 256)));
      }
      case 'string':
        return this.pick(['', 'a', 'ünï 😀', 'x'.repeat(200)]);
      case 'bool':
        return this.rnd() < 0.5;
      case 'long':
        return f.unsigned ? this.pick([0, 1, 300, 2 ** 40, 2 ** 53 - 1]) : this.pick([0, 1, -1, 300, -(2 ** 40), 2 ** 53 - 1]);
      case 'bigint':
        return f.unsigned ? this.pick([0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 12345678901234567890n]) : this.pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 7587n << 40n]);
      case 'int32':
        return f.unsigned ? this.pick([0, 1, 2 ** 31, 2 ** 32 - 1]) : this.pick([0, 1, -1, 2 ** 31 - 1]);
      case 'enum':
        return this.pick(Object.values(f.enumType?.values ?? { X: 0 }));
      default:
        throw new Error('message is not a scalar');
    }
  }
  value(f: FieldInfo, depth: number): unknown {
    return f.kind === 'message' ? this.message(f.messageType as MessageSchema, depth + 1) : this.scalar(f);
  }
  message(schema: MessageSchema, depth = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const oneofChoice = new Map<string, string | undefined>();
    for (const f of schema.fields) {
      if (f.oneof !== undefined && !oneofChoice.has(f.oneof)) {
        const members = schema.fields.filter((g) => g.oneof === f.oneof && (g.kind !== 'message' || depth < 3));
        oneofChoice.set(f.oneof, this.rnd() < 0.2 || members.length === 0 ? undefined : this.pick(members).name);
      }
    }
    for (const f of schema.fields) {
      if (f.oneof !== undefined) {
        if (oneofChoice.get(f.oneof) === f.name) out[f.name] = this.value(f, depth);
      } else if (f.repeated) {
        const n = f.kind === 'message' && depth >= 3 ? 0 : this.pick([0, 1, 3]);
        out[f.name] = Array.from({ length: n }, () => this.value(f, depth));
      } else if (f.kind === 'message') {
        if (depth < 3 && this.rnd() < 0.7) out[f.name] = this.value(f, depth);
      } else {
        out[f.name] = this.rnd() < 0.3 ? defaultOf(f) : this.scalar(f);
      }
    }
    return out;
  }
}

function defaultOf(f: FieldInfo): unknown {
  return { bytes: Buffer.alloc(0), string: '', bool: false, bigint: 0n, long: 0, int32: 0, enum: 0, message: undefined }[f.kind];
}

const names = allMessageNames();

describe('every etcd message', () => {
  it('there are messages to test (the .proto files load)', () => {
    expect(names).toContain('etcdserverpb.WatchResponse');
    expect(names).toContain('v3electionpb.LeaderKey');
    expect(names.length).toBeGreaterThan(100);
  });

  it('server codec = protobufjs bytes; decodes to the same object; JSON round-trips', () => {
    for (const [i, name] of names.entries()) {
      const schema = messageSchema(name);
      const codec = binaryCodec<Record<string, unknown>>(name);
      const ref = referenceCodec<Record<string, unknown>>(name);
      const json = jsonCodecOf<Record<string, unknown>>(name);
      const g = new Gen(prng(i + 1));
      for (let n = 0; n < 25; n++) {
        const msg = g.message(schema);
        const ours = codec.encode(msg);
        const theirs = ref.encode(msg);
        expect(ours.equals(theirs), `${name} #${n} bytes`).toBe(true);
        expect(codec.decode(theirs), `${name} #${n} decode`).toEqual(ref.decode(theirs));
        expect(codec.decode(ours), `${name} #${n} round trip`).toEqual(msg);
        expect(json.fromJson(JSON.parse(JSON.stringify(json.toJson(msg)))), `${name} #${n} JSON`).toEqual(msg);
      }
    }
  });
});

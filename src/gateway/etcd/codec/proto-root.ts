// Loads the project's own .proto files (proto/etcd) into one protobufjs Root, once per process.
// Field names are kept as written in the .proto files (keepCase): the JSON gateway needs the
// original names, and the internal camelCase names are derived in ./schema.ts.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_FILES = ['rpc.proto', 'v3lock.proto', 'v3election.proto'];

/** The proto/etcd folder: searched upwards so it is found from src/ (tests) and from dist/src/ (build). */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto', 'etcd');
    if (existsSync(join(candidate, 'rpc.proto'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dcsgw: cannot find proto/etcd/rpc.proto above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let root: protobuf.Root | undefined;

export function etcdProtoRoot(): protobuf.Root {
  if (root) return root;
  const dir = protoDir();
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string) => join(dir, target);
  r.loadSync(PROTO_FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

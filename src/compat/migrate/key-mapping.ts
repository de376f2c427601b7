// --prefix P and --dest-prefix Q: the source keys that start with P are copied, each to the key
// Q + (the rest after P). Without --dest-prefix a key keeps its name.
export class KeyMapping {
  readonly source: Buffer;
  readonly dest: Buffer;

  constructor(prefix: string, destPrefix: string | undefined) {
    this.source = Buffer.from(prefix, 'utf8');
    this.dest = Buffer.from(destPrefix ?? prefix, 'utf8');
  }

  get identity(): boolean {
    return this.source.equals(this.dest);
  }

  toDest(sourceKey: Buffer): Buffer {
    return this.identity ? sourceKey : Buffer.concat([this.dest, sourceKey.subarray(this.source.length)]);
  }

  toSource(destKey: Buffer): Buffer {
    return this.identity ? destKey : Buffer.concat([this.source, destKey.subarray(this.dest.length)]);
  }

  inSource(key: Buffer): boolean {
    return key.length >= this.source.length && key.subarray(0, this.source.length).equals(this.source);
  }
}

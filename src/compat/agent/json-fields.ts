// Reading a JSON object the way Consul's Go decoder reads its request bodies and config files:
// field names match case-insensitively (python-consul sends `name`, `checks`, `ttl`), and the
// snake_case spellings Consul's config and its custom decoders accept (`deregister_critical_service_after`,
// `script_args`, `tls_skip_verify`, `service_id`, ...) match too: a name is compared with its
// underscores and dashes removed. A value of the wrong JSON type fails with Go's decode message.

export class DefinitionError extends Error {}

type Json = unknown;

function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

const normalize = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

export class JsonFields {
  private readonly byName = new Map<string, Json>();
  private readonly keys: string[];

  constructor(
    obj: Record<string, Json>,
    private readonly structName: string,
  ) {
    this.keys = Object.keys(obj);
    // An exact-case key wins over a differently cased one, as Go's decoder prefers the exact match.
    for (const [k, v] of Object.entries(obj)) {
      const n = normalize(k);
      if (!this.byName.has(n) || k.toLowerCase() === k) this.byName.set(n, v);
    }
  }

  static of(raw: Json, structName: string): JsonFields {
    if (raw === null || raw === undefined) return new JsonFields({}, structName);
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new DefinitionError(`json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type structs.${structName}`);
    }
    return new JsonFields(raw as Record<string, Json>, structName);
  }

  /**
   * Consul decodes API bodies with DisallowUnknownFields: a key that names no field of the struct
   * fails the request ("json: unknown field \"x\"").
   */
  rejectUnknown(known: readonly string[]): this {
    const names = new Set(known.map(normalize));
    for (const k of this.keys) if (!names.has(normalize(k))) throw new DefinitionError(`json: unknown field ${JSON.stringify(k)}`);
    return this;
  }

  /** The raw value of the first of `names` present (undefined when none is, or it is null). */
  raw(...names: string[]): Json {
    for (const n of names) {
      const v = this.byName.get(normalize(n));
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return this.raw(...names) !== undefined;
  }

  private fail(field: string, v: Json, goType: string): never {
    throw new DefinitionError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${this.structName}.${field} of type ${goType}`);
  }

  string(field: string, ...aliases: string[]): string {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return '';
    if (typeof v !== 'string') this.fail(field, v, 'string');
    return v;
  }

  bool(field: string, ...aliases: string[]): boolean {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(field, v, 'bool');
    return v;
  }

  int(field: string, ...aliases: string[]): number {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, v, 'int');
    return v;
  }

  stringArray(field: string, ...aliases: string[]): string[] | undefined {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(field, v, '[]string');
    return v.map((item) => {
      if (typeof item !== 'string') this.fail(field, item, 'string');
      return item;
    });
  }

  stringMap(field: string, ...aliases: string[]): Record<string, string> | undefined {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'map[string]string');
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, Json>)) {
      if (typeof item !== 'string') this.fail(field, item, 'string');
      out[k] = item;
    }
    return out;
  }

  /** HTTP check headers: map[string][]string. */
  headerMap(field: string): Record<string, string[]> | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'map[string][]string');
    const out: Record<string, string[]> = {};
    for (const [k, item] of Object.entries(v as Record<string, Json>)) {
      if (!Array.isArray(item)) this.fail(field, item, '[]string');
      out[k] = item.map((s) => {
        if (typeof s !== 'string') this.fail(field, s, 'string');
        return s;
      });
    }
    return out;
  }

  object(field: string, ...aliases: string[]): JsonFields | undefined {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'struct');
    return new JsonFields(v as Record<string, Json>, field);
  }

  array(field: string, ...aliases: string[]): Json[] | undefined {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(field, v, 'slice');
    return v;
  }

  /** A duration: a Go duration string, or a number of nanoseconds (Consul's check decoder takes both). */
  durationNs(field: string, parse: (s: string) => number | undefined, ...aliases: string[]): number {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return 0;
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v !== 'string') this.fail(field, v, 'time.Duration');
    if (v === '') return 0;
    const ns = parse(v);
    if (ns === undefined) throw new DefinitionError(`time: invalid duration ${JSON.stringify(v)}`);
    return ns;
  }
}

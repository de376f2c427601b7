// Go's time.ParseDuration, which Consul applies to a prepared query's DNS TTL ("10s", "1m30s",
// "1.5h", "0"); the result in nanoseconds, as Go's Duration holds it, or undefined when Go refuses
// the text. A copy of the gateway's millisecond parser would do, but compat must not reach into the
// gateway layer, and Consul's TTL error text prints the duration in nanoseconds.
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!/^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_NS[part[2]!]!;
  }
  return text.startsWith('-') ? -total : total;
}

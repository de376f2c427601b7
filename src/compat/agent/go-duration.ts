// Go's time.Duration as Consul's JSON carries it: parsed from a duration string ("10s", "1m30s",
// "1.5s") or a number of nanoseconds, and printed back the way Go's Duration.String() prints it
// ("0s", "10s", "1m30s", "1h0m0s", "1.5s", "500ms"), which is what /v1/agent/checks shows in
// Interval and Timeout. Nanoseconds stay exact below 2^53 (about 104 days).

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration in nanoseconds; undefined when the text is not a Go duration. */
export function parseGoDurationNs(text: string): number | undefined {
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (!/^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_NS[part[2]!]!;
  }
  return Math.round(s.startsWith('-') ? -total : total);
}

/** Go's Duration.String(). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  let out: string;
  if (n < 1e9) {
    // Sub-second: the largest unit that keeps the integer part non-zero.
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trimFraction(n / 1e3)}µs`;
    else out = `${trimFraction(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const secs = `${trimFraction(n / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${secs}` : m > 0 ? `${m}m${secs}` : secs;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  // Up to nanosecond precision, no trailing zeros (Go prints 1.5s, not 1.500000000s).
  return v.toFixed(9).replace(/\.?0+$/, '');
}

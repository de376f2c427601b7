// Go's regexp (RE2 syntax and semantics) for the places Consul matches user patterns: filter
// `matches`, user-event node/service/tag filters. RE2 (here its JavaScript port) accepts exactly
// what Go accepts, refuses with Go's texts ("error parsing regexp: ..."), and matches in linear
// time, so no pattern a client sends can stall the event loop with backtracking.
import { RE2JS } from 're2js';

/** A pattern Go's regexp.Compile refuses; `message` is Go's text. */
export class GoRegexpError extends Error {}

export interface GoRegexp {
  /** Go's MatchString: whether the pattern matches anywhere in `s` (unanchored). */
  test(s: string): boolean;
}

export function compileGoRegexp(pattern: string): GoRegexp {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new GoRegexpError(e instanceof Error ? e.message : String(e));
  }
  return { test: (s: string) => re.matcher(s).find() };
}

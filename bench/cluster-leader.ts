// Which member of a benchmarked cluster leads. One client talks to the first endpoint only, and a
// put at a follower takes one more round trip (forward to the leader, then the commit back) than a
// put at the leader: a "1 client, 3 members" row compares like with like only when it says where
// each target's leader was.
import { execFileSync } from 'node:child_process';

interface EndpointStatus {
  Endpoint: string;
  Status: { header: { member_id: number | string }; leader: number | string };
}

/** Index in `endpoints` of the leader, as `etcdctl endpoint status` reports it (-1 if none answers as leader). */
export function leaderIndex(endpoints: readonly string[]): number {
  const out = execFileSync('etcdctl', ['--endpoints', endpoints.join(','), 'endpoint', 'status', '-w', 'json'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = JSON.parse(out) as EndpointStatus[];
  const lead = rows.find((r) => String(r.Status.header.member_id) === String(r.Status.leader));
  return lead ? endpoints.indexOf(lead.Endpoint) : -1;
}

/** "leader" or "a follower" for the first endpoint (the one a single client uses); "unknown" when etcdctl fails. */
export function firstEndpointRole(endpoints: readonly string[]): string {
  try {
    const i = leaderIndex(endpoints);
    return i === 0 ? 'the leader' : i > 0 ? `a follower (member ${i + 1} leads)` : 'unknown (no leader reported)';
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

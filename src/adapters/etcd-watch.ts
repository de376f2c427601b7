// One Backend watch on a genuine etcd cluster: a Watch bidirectional stream of its own, with the
// watched range mapped into the genuine keyspace (./etcd-keyspace.ts). Events arrive in revision
// order as genuine etcd sends them; a system watch's events carry keyspace 'system' with the
// prefix stripped. When the endpoint becomes unreachable, the watch resumes on the next endpoint
// from the revision after the last one delivered, so no event is lost or repeated; a compacted
// start revision and a cancel by etcd end the watcher as the WatchListener contract says.
import type * as grpc from '@grpc/grpc-js';
import type { Event, KeyValue, ResponseHeader, WatchHandle, WatchListener, WatchOptions } from './backend.js';
import { isUnreachable, method, type EtcdConnection } from './etcd-connection.js';
import { isSystemKey, mapRange, stripSystem } from './etcd-keyspace.js';
import type { WatchRequest, WatchResponse } from '../gateway/etcd/messages.js';

const WATCH = method('Watch', 'Watch', 'WatchRequest', 'WatchResponse');
/** How long a watch keeps trying to reach some endpoint before it gives up with onCanceled. */
const RESUME_GIVE_UP_MS = 30_000;

export function startEtcdWatch(conn: EtcdConnection, opts: WatchOptions, listener: WatchListener, onHeader: (h: ResponseHeader) => void): WatchHandle {
  const system = opts.keyspace === 'system';
  const mapped = mapRange(opts.keyspace, opts.key, opts.rangeEnd);
  let stream: grpc.ClientDuplexStream<WatchRequest, WatchResponse> | undefined;
  let dead = false;
  let synced = false;
  /** Where a (re)opened stream starts: the revision after the last one delivered (0 = from now). */
  let resumeFrom = opts.startRevision;
  let failingSince = 0;

  const inKv = (kv: KeyValue): KeyValue => (system && isSystemKey(kv.key) ? { ...kv, key: stripSystem(kv.key) } : kv);
  const inEvent = (e: Event): Event => {
    const out: Event = system ? { keyspace: 'system', type: e.type, kv: inKv(e.kv) } : { type: e.type, kv: e.kv };
    if (e.prevKv) out.prevKv = inKv(e.prevKv);
    return out;
  };

  const end = (): void => {
    dead = true;
    const s = stream;
    stream = undefined;
    if (s) {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      s.cancel();
    }
  };

  const open = (): void => {
    if (dead) return;
    let opened;
    try {
      opened = conn.bidi<WatchRequest, WatchResponse>(WATCH);
    } catch (err) {
      // the backend was closed while the watch waited to resume
      dead = true;
      listener.onCanceled(`etcd backend: ${(err as Error).message}`);
      return;
    }
    const { stream: s, index } = opened;
    stream = s;
    s.on('data', (res: WatchResponse) => {
      if (dead || stream !== s) return;
      failingSince = 0;
      onHeader(res.header);
      if (res.compactRevision > 0) {
        end();
        listener.onCompacted(res.compactRevision, res.header.revision);
        return;
      }
      if (res.canceled) {
        end();
        listener.onCanceled(res.cancelReason);
        return;
      }
      if (res.created) {
        synced = true;
        // a watch "from now" is at the created header's revision: a resume starts after it
        if (resumeFrom === 0) resumeFrom = res.header.revision + 1;
        return;
      }
      if (res.events.length === 0) return; // a progress notification
      const events = res.events.map(inEvent);
      resumeFrom = Math.max(resumeFrom, events[events.length - 1]!.kv.modRevision + 1);
      listener.onEvents(events, res.header.revision);
    });
    s.on('error', (err: Error) => {
      if (dead || stream !== s) return;
      stream = undefined;
      synced = false;
      if (isUnreachable(err)) {
        conn.failover(index);
        if (failingSince === 0) failingSince = Date.now();
        if (Date.now() - failingSince < RESUME_GIVE_UP_MS) {
          setTimeout(open, 100).unref();
          return;
        }
      }
      dead = true;
      listener.onCanceled(`etcd backend: watch stream ended: ${(err as { details?: string }).details ?? err.message}`);
    });
    s.on('end', () => {
      if (dead || stream !== s) return;
      dead = true;
      stream = undefined;
      listener.onCanceled('etcd backend: watch stream closed by the server');
    });
    s.write({
      createRequest: {
        key: mapped.key,
        rangeEnd: mapped.rangeEnd,
        startRevision: resumeFrom,
        progressNotify: false,
        filters: opts.filters,
        prevKv: opts.prevKv,
        watchId: 0,
        fragment: false,
      },
    });
  };

  open();
  return {
    cancel: end,
    isSynced: () => synced && !dead,
  };
}

// Lease keep-alives to a genuine etcd cluster over ONE LeaseKeepAlive bidirectional stream, as
// etcd's own client does: each Backend.leaseKeepAlive writes the lease ID and waits for the answer
// about that ID (etcd answers each request in order). A broken stream fails the waiting calls and
// the next call opens a new stream, on the next endpoint if this one is unreachable.
import type * as grpc from '@grpc/grpc-js';
import type { LeaseKeepAliveResponse, ResponseHeader } from './backend.js';
import { isUnreachable, method, toEtcdError, type EtcdConnection } from './etcd-connection.js';
import type { LeaseIdRequest } from '../gateway/etcd/messages.js';

const KEEPALIVE = method('Lease', 'LeaseKeepAlive');

interface Waiter {
  resolve(res: LeaseKeepAliveResponse): void;
  reject(err: Error): void;
}

export class EtcdKeepAlives {
  private stream: grpc.ClientDuplexStream<LeaseIdRequest, LeaseKeepAliveResponse> | undefined;
  private readonly waiting = new Map<bigint, Waiter[]>();

  constructor(
    private readonly conn: EtcdConnection,
    private readonly onHeader: (h: ResponseHeader) => void,
  ) {}

  async keepAlive(id: bigint): Promise<LeaseKeepAliveResponse> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.once(id);
      } catch (err) {
        if (!isUnreachable(err) || tries >= this.conn.options.endpoints.length) throw toEtcdError(err);
      }
    }
  }

  private once(id: bigint): Promise<LeaseKeepAliveResponse> {
    const s = this.stream ?? this.open();
    return new Promise<LeaseKeepAliveResponse>((resolve, reject) => {
      const list = this.waiting.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(id, list);
      s.write({ id });
    });
  }

  private open(): grpc.ClientDuplexStream<LeaseIdRequest, LeaseKeepAliveResponse> {
    const { stream: s, index } = this.conn.bidi<LeaseIdRequest, LeaseKeepAliveResponse>(KEEPALIVE);
    this.stream = s;
    s.on('data', (res: LeaseKeepAliveResponse) => {
      this.onHeader(res.header);
      const list = this.waiting.get(res.id);
      const w = list?.shift();
      if (list && list.length === 0) this.waiting.delete(res.id);
      w?.resolve(res);
    });
    const fail = (err: Error): void => {
      if (this.stream === s) this.stream = undefined;
      if (isUnreachable(err)) this.conn.failover(index);
      const all = [...this.waiting.values()].flat();
      this.waiting.clear();
      for (const w of all) w.reject(err);
    };
    s.on('error', fail);
    s.on('end', () => fail(Object.assign(new Error('etcd backend: keep-alive stream closed'), { code: 14 })));
    return s;
  }

  close(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => undefined);
      s.cancel();
    }
  }
}

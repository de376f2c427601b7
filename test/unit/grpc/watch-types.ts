// The watch message shapes the codec produces (same as src/gateway/etcd/messages.ts), declared
// locally so the layer's tests do not depend on the services' files.
import type { Event, ResponseHeader } from '../../../src/adapters/backend.js';

export interface WatchRequest {
  createRequest?: { key: Buffer; rangeEnd: Buffer; startRevision: number; prevKv: boolean };
  cancelRequest?: { watchId: number };
}
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: Event[];
}

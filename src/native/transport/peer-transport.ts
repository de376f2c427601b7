import type { Logger } from 'pino';
import type { Transport } from './api.js';
export interface PeerTransportOptions { memberId: bigint; clusterId: bigint; listenPeerUrls: string[]; logger: Logger }
export function createPeerTransport(_opts: PeerTransportOptions): Transport {
  throw new Error('peer transport: not implemented yet');
}

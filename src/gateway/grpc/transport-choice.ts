// Which HTTP/2 implementation serves gRPC: 'own' (./h2/, opt-in for now) or 'node' (node:http2, the default,
// also for A/B runs), from DCSGW_GRPC_TRANSPORT.

export type GrpcTransport = 'own' | 'node';

export function grpcTransport(): GrpcTransport {
  return process.env['DCSGW_GRPC_TRANSPORT'] === 'own' ? 'own' : 'node';
}

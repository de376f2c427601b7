// Which HTTP/2 implementation serves gRPC: 'own' (./h2/, the default) or 'node' (node:http2, kept
// for A/B runs and as a fallback), from DCSGW_GRPC_TRANSPORT.

export type GrpcTransport = 'own' | 'node';

export function grpcTransport(): GrpcTransport {
  return process.env['DCSGW_GRPC_TRANSPORT'] === 'node' ? 'node' : 'own';
}

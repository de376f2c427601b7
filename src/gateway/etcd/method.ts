// A service method declared once and served twice: by the gRPC router (binary codecs) and by the
// JSON gateway (JSON codecs). Messages are named, so each front end picks its own codec table.
import type { CallContext, ServerStream, StreamHandler, UnaryHandler } from '../grpc/api.js';
import type { MessageName, MessageTypes } from './codecs.js';

export interface UnaryMethod {
  kind: 'unary';
  /** gRPC path, e.g. '/etcdserverpb.KV/Range'. */
  path: string;
  req: MessageName | 'Ignored';
  res: MessageName | 'Ignored';
  handler: UnaryHandler<unknown, unknown>;
}
export interface StreamMethod {
  kind: 'stream';
  path: string;
  req: MessageName;
  res: MessageName;
  /** Server-streaming (one request, many responses) vs bidirectional: the JSON gateway needs to know. */
  clientStreaming: boolean;
  handler: StreamHandler<unknown, unknown>;
}
export type MethodDef = UnaryMethod | StreamMethod;

export function unary<Q extends MessageName, S extends MessageName>(
  path: string,
  req: Q,
  res: S,
  handler: (req: MessageTypes[Q], ctx: CallContext) => Promise<MessageTypes[S]> | MessageTypes[S],
): UnaryMethod {
  return { kind: 'unary', path, req, res, handler: handler as UnaryHandler<unknown, unknown> };
}

/** A method whose messages are never looked at (e.g. auth management answered UNIMPLEMENTED). */
export function unaryIgnored(path: string, handler: (ctx: CallContext) => never | Promise<never>): UnaryMethod {
  return { kind: 'unary', path, req: 'Ignored', res: 'Ignored', handler: (_req, ctx) => handler(ctx) };
}

export function stream<Q extends MessageName, S extends MessageName>(
  path: string,
  req: Q,
  res: S,
  clientStreaming: boolean,
  handler: (s: ServerStream<MessageTypes[Q], MessageTypes[S]>) => void,
): StreamMethod {
  return { kind: 'stream', path, req, res, clientStreaming, handler: handler as StreamHandler<unknown, unknown> };
}

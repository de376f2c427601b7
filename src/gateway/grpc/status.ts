// gRPC status plumbing shared by the server layer: turning thrown errors into (code, message),
// the grpc-message percent-encoding of the HTTP/2 transport spec, and grpc-timeout parsing.
import { EtcdError, GrpcCode } from '../../adapters/errors.js';
import { GrpcStatusError } from './api.js';

export interface GrpcStatus {
  code: GrpcCode;
  message: string;
}

/**
 * The status a handler's error ends the call with. EtcdError / GrpcStatusError carry their own;
 * anything else is UNKNOWN with the error's text, as grpc-go answers a plain Go error.
 */
export function statusOf(err: unknown): GrpcStatus {
  if (err instanceof EtcdError || err instanceof GrpcStatusError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: GrpcCode.UNKNOWN, message: err.message };
  return { code: GrpcCode.UNKNOWN, message: String(err) };
}

/** Is this error one that a well-behaved handler throws (a status), rather than a bug worth logging? */
export function isStatusError(err: unknown): boolean {
  return err instanceof EtcdError || err instanceof GrpcStatusError;
}

/**
 * grpc-message value: UTF-8 bytes outside printable ASCII (0x20-0x7E) and '%' itself are
 * percent-encoded (gRPC over HTTP/2 spec, "Responses").
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte < 0x20 || byte > 0x7e || byte === 0x25) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(byte);
  }
  return out;
}

export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** grpc-timeout ("100m", "5S", ...) in milliseconds, or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.length < 2 || value.length > 9) return undefined;
  const unit = TIMEOUT_UNIT_MS[value[value.length - 1] as string];
  if (unit === undefined) return undefined;
  const digits = value.slice(0, -1);
  if (!/^\d+$/.test(digits)) return undefined;
  return Number(digits) * unit;
}

/** Encodes a duration for a grpc-timeout header (clients: the benchmark, tests). */
export function formatGrpcTimeout(ms: number): string {
  if (ms < 1) return Math.max(1, Math.round(ms * 1000)) + 'u';
  if (ms < 1e8) return Math.ceil(ms) + 'm';
  return Math.ceil(ms / 1000) + 'S';
}

// The agent's own log events (Consul's "agent" module: "Synced service", "Check is now critical",
// "Node entered maintenance mode", ...): written to the process logger, and published to the
// subscribers of /v1/agent/monitor, which streams them as hclog lines (or JSON with ?logjson).
import type { Logger } from 'pino';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogFields = Record<string, string | number | boolean>;

export interface LogRecord {
  at: Date;
  level: LogLevel;
  module: string;
  message: string;
  fields: LogFields;
}

const RANK: Record<LogLevel, number> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5 };

/** hclog's level names as `consul monitor -log-level` accepts them (ERR is an alias of ERROR). */
export function parseLogLevel(text: string): LogLevel | undefined {
  const l = text.toUpperCase();
  if (l === 'ERR') return 'ERROR';
  return (Object.keys(RANK) as LogLevel[]).find((k) => k === l);
}

export class AgentLog {
  private readonly subscribers = new Set<{ min: number; deliver: (r: LogRecord) => void }>();

  constructor(private readonly logger: Logger) {}

  /** Receives every record at `level` or above until the returned function is called. */
  subscribe(level: LogLevel, deliver: (r: LogRecord) => void): () => void {
    const sub = { min: RANK[level], deliver };
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  trace(message: string, fields: LogFields = {}): void {
    this.emit('TRACE', message, fields);
  }
  debug(message: string, fields: LogFields = {}): void {
    this.emit('DEBUG', message, fields);
  }
  info(message: string, fields: LogFields = {}): void {
    this.emit('INFO', message, fields);
  }
  warn(message: string, fields: LogFields = {}): void {
    this.emit('WARN', message, fields);
  }
  error(message: string, fields: LogFields = {}): void {
    this.emit('ERROR', message, fields);
  }

  private emit(level: LogLevel, message: string, fields: LogFields): void {
    const pinoLevel = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    this.logger[pinoLevel](fields, message);
    if (this.subscribers.size === 0) return;
    const record: LogRecord = { at: new Date(), level, module: 'agent', message, fields };
    for (const s of this.subscribers) if (RANK[level] >= s.min) s.deliver(record);
  }
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function utcStamp(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** hclog's text line: `2006-01-02T15:04:05.000Z [INFO]  agent: Synced service: service=web`. */
export function monitorTextLine(r: LogRecord): string {
  const tag = `[${r.level}]`.padEnd(7, ' ');
  let line = `${utcStamp(r.at)}Z ${tag} ${r.module}: ${r.message}`;
  const entries = Object.entries(r.fields);
  if (entries.length > 0) {
    line += ': ' + entries.map(([k, v]) => `${k}=${typeof v === 'string' && (v === '' || /[\s"=\\]/.test(v)) ? JSON.stringify(v) : String(v)}`).join(' ');
  }
  return line + '\n';
}

/** hclog's JSON line (keys sorted, as Go's encoder writes a map). */
export function monitorJsonLine(r: LogRecord): string {
  const rec: Record<string, unknown> = { '@level': r.level.toLowerCase(), '@message': r.message, '@module': r.module, '@timestamp': `${utcStamp(r.at)}000Z`, ...r.fields };
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(rec).sort()) sorted[k] = rec[k];
  return JSON.stringify(sorted) + '\n';
}

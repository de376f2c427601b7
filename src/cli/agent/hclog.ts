// The agent's log lines as Consul writes them with hclog, because operators and harnesses grep
// them: text `2026-12-07T04:40:00.000Z [INFO]  agent: Consul agent running!` (arguments appended
// as ` key=value` after a colon), or with -log-json one JSON object per line with @level,
// @message, @module, @timestamp and the arguments, keys sorted as Go's encoder sorts a map.
// -log-level filters. The pino logger the rest of dcsgw logs through is bridged into the same
// lines (its `module` binding names the hclog module).
import { openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { HclogLevel } from './runtime-config.js';

const RANK: Record<HclogLevel, number> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, OFF: 99 };
const TEXT_TAG: Record<Exclude<HclogLevel, 'OFF'>, string> = { TRACE: '[TRACE]', DEBUG: '[DEBUG]', INFO: '[INFO] ', WARN: '[WARN] ', ERROR: '[ERROR]' };
const PINO_LEVEL: Record<HclogLevel, pino.LevelWithSilent> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', OFF: 'silent' };

export type LogFields = Record<string, unknown>;

export interface HclogOptions {
  level: HclogLevel;
  json: boolean;
  /** File descriptors written to (Consul: stdout), plus -log-file when set. */
  fds: number[];
}

function pad(n: number, w = 2): string {
  return String(Math.trunc(Math.abs(n))).padStart(w, '0');
}

/** Local time with the zone as Go's "Z0700" / "Z07:00" layouts print it ("Z" for UTC). */
function zone(d: Date, colon: boolean): string {
  const off = -d.getTimezoneOffset();
  if (off === 0) return 'Z';
  const sign = off > 0 ? '+' : '-';
  return `${sign}${pad(off / 60)}${colon ? ':' : ''}${pad(off % 60)}`;
}

function localStamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** hclog's text timestamp: "2006-01-02T15:04:05.000Z0700". */
export function hclogTextTime(d: Date): string {
  return `${localStamp(d)}.${pad(d.getMilliseconds(), 3)}${zone(d, false)}`;
}

/** hclog's JSON timestamp: "2006-01-02T15:04:05.000000Z07:00". */
export function hclogJsonTime(d: Date): string {
  return `${localStamp(d)}.${pad(d.getMilliseconds(), 3)}000${zone(d, true)}`;
}

function textValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Error ? v.message : typeof v === 'object' && v !== null ? JSON.stringify(v, bigintSafe) : String(v);
  // hclog quotes a value that would not read back as one word
  return s === '' || /[\s"=\\]/.test(s) || /[^\x20-\x7e]/.test(s) ? JSON.stringify(s) : s;
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

export function renderHclogText(level: Exclude<HclogLevel, 'OFF'>, module: string, message: string, fields: LogFields = {}, at = new Date()): string {
  let line = `${hclogTextTime(at)} ${TEXT_TAG[level]} ${module ? `${module}: ` : ''}${message}`;
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (entries.length > 0) line += ': ' + entries.map(([k, v]) => `${k}=${textValue(v)}`).join(' ');
  return line + '\n';
}

export function renderHclogJson(level: Exclude<HclogLevel, 'OFF'>, module: string, message: string, fields: LogFields = {}, at = new Date()): string {
  const rec: Record<string, unknown> = { '@level': level.toLowerCase(), '@message': message, '@timestamp': hclogJsonTime(at) };
  if (module) rec['@module'] = module;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) rec[k] = v instanceof Error ? v.message : v;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(rec).sort()) sorted[k] = rec[k];
  return JSON.stringify(sorted, bigintSafe) + '\n';
}

export class Hclog {
  private readonly threshold: number;
  /** The pino logger for the backend and front ends, writing the same lines. */
  readonly pino: Logger;

  constructor(private readonly opts: HclogOptions) {
    this.threshold = RANK[opts.level];
    const sink = { write: (line: string) => this.fromPino(line) };
    this.pino = pino({ level: PINO_LEVEL[opts.level], base: undefined, messageKey: 'msg', timestamp: false, formatters: { level: (_l, n) => ({ level: n }) } }, sink);
  }

  enabled(level: Exclude<HclogLevel, 'OFF'>): boolean {
    return RANK[level] >= this.threshold;
  }

  log(level: Exclude<HclogLevel, 'OFF'>, module: string, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const line = this.opts.json ? renderHclogJson(level, module, message, fields) : renderHclogText(level, module, message, fields);
    // synchronous: the last lines before exit must not be lost
    for (const fd of this.opts.fds) writeSync(fd, line);
  }

  info(module: string, message: string, fields?: LogFields): void {
    this.log('INFO', module, message, fields);
  }

  warn(module: string, message: string, fields?: LogFields): void {
    this.log('WARN', module, message, fields);
  }

  error(module: string, message: string, fields?: LogFields): void {
    this.log('ERROR', module, message, fields);
  }

  debug(module: string, message: string, fields?: LogFields): void {
    this.log('DEBUG', module, message, fields);
  }

  private fromPino(line: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, module, err, ...rest } = rec;
    const n = typeof level === 'number' ? level : 30;
    const lvl: Exclude<HclogLevel, 'OFF'> = n <= 10 ? 'TRACE' : n <= 20 ? 'DEBUG' : n <= 30 ? 'INFO' : n <= 40 ? 'WARN' : 'ERROR';
    const fields: LogFields = { ...rest };
    if (err && typeof err === 'object') fields.error = (err as { message?: string }).message ?? String(err);
    this.log(lvl, typeof module === 'string' ? module : 'agent', String(msg ?? ''), fields);
  }
}

/** Opens -log-file for appending beside stdout. */
export function logFds(logFile: string): number[] {
  return logFile ? [1, openSync(logFile, 'a')] : [1];
}

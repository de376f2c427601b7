// Logging as etcd 3.4 does it, in its two formats, because scripts and operators grep for etcd's
// lines: --logger=zap prints JSON lines {"level","ts","caller","msg",...fields}; --logger=capnslog
// (3.4's default) prints "2026-11-21 08:09:03.671155 I | etcdmain: text". The CLI's own lifecycle
// lines carry both renderings (EtcdLogEvent); everything else in dcsgw logs through the pino logger
// this module builds, whose output is shaped the same way.
import { openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';

export type LoggerFormat = 'zap' | 'capnslog';
export type EtcdLogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'fatal';

export interface EtcdLogEvent {
  level: EtcdLogLevel;
  /** capnslog package ("etcdmain", "embed", "etcdserver", ...). */
  pkg: string;
  /** capnslog text. */
  text: string;
  /** zap caller ("embed/etcd.go:305"). */
  caller: string;
  /** zap message. */
  msg: string;
  fields?: Record<string, unknown>;
}

export interface EtcdLog {
  readonly format: LoggerFormat;
  /** Writes one lifecycle line in the configured format. */
  emit(ev: EtcdLogEvent): void;
  /** The logger handed to the rest of dcsgw (backend, front end, transport). */
  readonly logger: Logger;
}

export interface EtcdLogOptions {
  format: LoggerFormat;
  /** etcd's --log-level: debug, info, warn, error, panic, fatal. */
  level: string;
  /** etcd's --log-outputs: default, stderr, stdout, or file paths. */
  outputs: readonly string[];
}

const RANK: Record<EtcdLogLevel, number> = { debug: 20, info: 30, notice: 35, warn: 40, error: 50, fatal: 60 };
const LETTER: Record<EtcdLogLevel, string> = { debug: 'D', info: 'I', notice: 'N', warn: 'W', error: 'E', fatal: 'C' };
const PINO_LEVEL: Record<string, pino.LevelWithSilent> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error', panic: 'fatal', fatal: 'fatal' };
const PINO_TO_ETCD: Record<number, EtcdLogLevel> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

interface Sink {
  write(line: string): void;
}

function openSinks(outputs: readonly string[]): Sink[] {
  const fds = new Set<number>();
  for (const o of outputs.length ? outputs : ['default']) {
    if (o === 'default' || o === 'stderr') fds.add(2);
    else if (o === 'stdout') fds.add(1);
    else fds.add(openSync(o, 'a'));
  }
  // synchronous writes: a line logged just before exit must not be lost
  return [...fds].map((fd) => ({ write: (line: string) => void writeSync(fd, line) }));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** capnslog's timestamp: local time with microseconds. */
export function capnslogTime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds() * 1000, 6)}`
  );
}

export function renderCapnslog(level: EtcdLogLevel, pkg: string, text: string, at = new Date()): string {
  return `${capnslogTime(at)} ${LETTER[level]} | ${pkg}: ${text}\n`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** zap's JSON line, keys in zap's order. */
export function renderZap(level: EtcdLogLevel, caller: string, msg: string, fields: Record<string, unknown> = {}, at = new Date()): string {
  const zapLevel = level === 'notice' ? 'info' : level;
  const head = { level: zapLevel, ts: at.toISOString(), caller, msg };
  return JSON.stringify({ ...head, ...fields }, jsonSafe) + '\n';
}

/** "etcdserver/server.go:816" -> "etcdserver": the capnslog package a zap caller belongs to. */
function pkgOfCaller(caller: unknown): string {
  if (typeof caller !== 'string' || caller === '') return 'dcsgw';
  const slash = caller.lastIndexOf('/');
  return slash > 0 ? caller.slice(0, slash) : caller.replace(/\.[a-z]+(:\d+)?$/, '');
}

/** Turns pino's JSON lines into capnslog text (pino is configured with the zap keys, see below). */
function capnslogSink(sinks: Sink[]): Sink {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        for (const s of sinks) s.write(line);
        return;
      }
      const { level, ts, caller, msg, ...fields } = rec;
      const lvl: EtcdLogLevel = typeof level === 'string' && level in RANK ? (level as EtcdLogLevel) : 'info';
      const rest = Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      const at = typeof ts === 'string' ? new Date(ts) : new Date();
      const out = renderCapnslog(lvl, pkgOfCaller(caller), `${String(msg ?? '')}${rest}`, at);
      for (const s of sinks) s.write(out);
    },
  };
}

export function createEtcdLog(opts: EtcdLogOptions): EtcdLog {
  const sinks = openSinks(opts.outputs);
  const pinoLevel = PINO_LEVEL[opts.level] ?? 'info';
  const threshold = RANK[PINO_TO_ETCD[pino.levels.values[pinoLevel] ?? 30] ?? 'info'];
  const fanout: Sink = opts.format === 'capnslog' ? capnslogSink(sinks) : { write: (l) => sinks.forEach((s) => s.write(l)) };
  const logger = pino(
    {
      level: pinoLevel,
      messageKey: 'msg',
      base: undefined,
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    fanout,
  );
  return {
    format: opts.format,
    logger,
    emit(ev) {
      if (RANK[ev.level] < threshold && ev.level !== 'fatal') return;
      const line = opts.format === 'zap' ? renderZap(ev.level, ev.caller, ev.msg, ev.fields) : renderCapnslog(ev.level, ev.pkg, ev.text);
      for (const s of sinks) s.write(line);
    },
  };
}

/** Before the logger is configured (flag and environment errors), etcd prints capnslog lines to stderr. */
export function earlyCapnslog(level: EtcdLogLevel, pkg: string, text: string): void {
  writeSync(2, renderCapnslog(level, pkg, text));
}

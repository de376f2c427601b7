// An HTTP check as Consul runs it: a request every interval (method default GET, the check's
// headers, body, TLS options; User-Agent "Consul Health Check"; no keep-alive), 2xx = passing,
// 429 = warning, anything else or no answer = critical. Output is
// "HTTP <METHOD> <url>: <code> <reason> Output: <body>" (the body's last 4 KiB), or Go's error text.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { IntervalLoop, effectiveIntervalMs, DEFAULT_OUTPUT_MAX, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';
import { goDialError, joinHostPort } from './go-net-errors.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 10;

export interface HttpCheckOptions {
  url: string;
  method: string;
  header: Record<string, string[]>;
  body: string;
  tlsServerName: string;
  tlsSkipVerify: boolean;
  disableRedirects: boolean;
  intervalNs: number;
  timeoutMs: number;
  outputMax: number;
}

/** Go's url.Error prefix: the method with only its first letter upper-case ("Get", "Post"). */
function urlErrorOp(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}

class HttpFailure extends Error {}

export class HttpCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly opts: HttpCheckOptions,
  ) {
    this.loop = new IntervalLoop(effectiveIntervalMs(opts.intervalNs), () => this.check());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private async check(): Promise<void> {
    const method = this.opts.method || 'GET';
    const timeoutMs = this.opts.timeoutMs > 0 ? this.opts.timeoutMs : DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let result: { status: string; output: string };
    try {
      const res = await this.follow(method, this.opts.url, deadline);
      const outcome = res.code >= 200 && res.code <= 299 ? 'passing' : res.code === 429 ? 'warning' : 'critical';
      result = { status: outcome, output: `HTTP ${method} ${this.opts.url}: ${res.code} ${res.reason} Output: ${res.body}` };
    } catch (err) {
      result = { status: 'critical', output: err instanceof HttpFailure ? err.message : String(err) };
    }
    if (!this.loop.isStopped) this.notify(result.status, result.output);
  }

  private async follow(method: string, url: string, deadline: number): Promise<{ code: number; reason: string; body: string }> {
    let currentMethod = method;
    let currentUrl = url;
    let body: string | undefined = this.opts.body || undefined;
    for (let hop = 0; ; hop++) {
      const res = await this.once(currentMethod, currentUrl, body, deadline, method);
      const location = res.location;
      if (this.opts.disableRedirects || !location || ![301, 302, 303, 307, 308].includes(res.code)) return res;
      if (hop + 1 >= MAX_REDIRECTS) throw new HttpFailure(`${urlErrorOp(method)} "${currentUrl}": stopped after ${MAX_REDIRECTS} redirects`);
      currentUrl = new URL(location, currentUrl).toString();
      if (res.code === 301 || res.code === 302 || res.code === 303) {
        if (currentMethod !== 'GET' && currentMethod !== 'HEAD') currentMethod = 'GET';
        body = undefined;
      }
    }
  }

  private once(
    method: string,
    url: string,
    body: string | undefined,
    deadline: number,
    originalMethod: string,
  ): Promise<{ code: number; reason: string; body: string; location?: string }> {
    const op = urlErrorOp(originalMethod);
    return new Promise((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        reject(new HttpFailure(`parse ${JSON.stringify(url)}: invalid URI for request`));
        return;
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        reject(new HttpFailure(`${op} ${JSON.stringify(url)}: unsupported protocol scheme ${JSON.stringify(target.protocol.replace(/:$/, ''))}`));
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(this.opts.header)) headers[k] = v;
      const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      if (!lower.has('user-agent')) headers['User-Agent'] = 'Consul Health Check';
      if (!lower.has('accept')) headers.Accept = 'text/plain, text/*, */*';
      headers.Connection = 'close';
      const https = target.protocol === 'https:';
      const port = target.port ? Number(target.port) : https ? 443 : 80;
      const address = joinHostPort(target.hostname.replace(/^\[|\]$/g, ''), port);
      const send = https ? httpsRequest : httpRequest;
      const req = send(target, {
        method,
        headers,
        agent: false,
        ...(https ? { rejectUnauthorized: !this.opts.tlsSkipVerify, servername: this.opts.tlsServerName || target.hostname } : {}),
      });
      const left = Math.max(1, deadline - Date.now());
      let gotHeaders = false;
      const timer = setTimeout(() => {
        const phase = gotHeaders ? 'while reading body' : 'while awaiting headers';
        req.destroy(new HttpFailure(`${op} ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded ${phase})`));
      }, timerDelay(left));
      req.on('error', (err) => {
        clearTimeout(timer);
        if (err instanceof HttpFailure) reject(err);
        else if ((err as { code?: string }).code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(err.message)) {
          reject(new HttpFailure(`${op} ${JSON.stringify(url)}: tls: failed to verify certificate: ${err.message}`));
        } else reject(new HttpFailure(`${op} ${JSON.stringify(url)}: ${goDialError(address, err)}`));
      });
      req.on('response', (res: IncomingMessage) => {
        gotHeaders = true;
        const max = this.opts.outputMax > 0 ? this.opts.outputMax : DEFAULT_OUTPUT_MAX;
        let kept = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          // Keep only the last `max` bytes, as Consul's circular buffer does.
          kept = Buffer.concat([kept, chunk]);
          if (kept.length > max) kept = kept.subarray(kept.length - max);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const location = res.headers.location;
          resolve({
            code: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            body: kept.toString('utf8'),
            ...(location ? { location } : {}),
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err instanceof HttpFailure ? err : new HttpFailure(`${op} ${JSON.stringify(url)}: ${err.message}`));
        });
        // A body cut off (timeout, reset) must still settle the run, or the check would stop running.
        res.on('close', () => {
          clearTimeout(timer);
          if (!res.complete) reject(new HttpFailure(`${op} ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while reading body)`));
        });
      });
      req.end(body);
    });
  }
}

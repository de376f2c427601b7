// etcd 3.4's guard on the JSON gateway (its CVE-2020-15136 fix): with --client-cert-auth and auth
// enabled, a /v3/ request over TLS whose verified client certificate carries a common name is
// refused with 400, because the gateway would not use that name as the user (gRPC does). The words,
// status and headers are Go's http.Error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { TLSSocket } from 'node:tls';

type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

export const GATEWAY_CN_REFUSAL = 'CommonName of client sending a request against gateway will be ignored and not used as expected';

function verifiedCommonName(req: IncomingMessage | Http2ServerRequest): string | undefined {
  const socket = req.socket as Partial<TLSSocket> | undefined;
  if (!socket?.encrypted || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = (socket.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  return first !== undefined && first !== '' ? first : undefined;
}

/** Wraps the client port's HTTP handler; `authEnabled` is read per request (auth can be switched on at any time). */
export function guardGatewayCommonName<H extends Handler>(handler: H, authEnabled: () => boolean): H {
  const guarded: Handler = (req, res) => {
    const path = req.url ?? '/';
    if ((path.startsWith('/v3/') || path.startsWith('/v3beta/')) && verifiedCommonName(req) !== undefined && authEnabled()) {
      const r = res as ServerResponse;
      r.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      r.end(`${GATEWAY_CN_REFUSAL}\n`);
      return;
    }
    handler(req, res);
  };
  return guarded as H;
}

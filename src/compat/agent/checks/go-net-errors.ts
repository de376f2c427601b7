// Check output for a failed connection, in the words of Go's net package (Consul's checks put
// err.Error() in Output, and users grep for these texts): "dial tcp 127.0.0.1:1: connect:
// connection refused", "dial tcp 10.0.0.1:80: i/o timeout", "dial tcp: lookup nohost: no such host".

interface NodeSystemError {
  code?: string;
  message?: string;
}

export function goDialError(address: string, err: unknown): string {
  const e = err as NodeSystemError;
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'ETIMEDOUT':
    case 'DIAL_TIMEOUT':
      return `dial tcp ${address}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${address}: read: connection reset by peer`;
    case 'EADDRNOTAVAIL':
      return `dial tcp ${address}: connect: cannot assign requested address`;
    default:
      return `dial tcp ${address}: ${e.message ?? String(err)}`;
  }
}

/** "host:port" as Go writes it (IPv6 hosts in brackets). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

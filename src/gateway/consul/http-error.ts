// Consul's HTTP errors: a status code and a plain-text body (clients show the body verbatim, e.g.
// the Go client's "Unexpected response code: 400 (Invalid wait time)", and some string-match it).
export class ConsulHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(body);
  }
}

export const badRequest = (body: string): ConsulHttpError => new ConsulHttpError(400, body);
export const notFound = (body = ''): ConsulHttpError => new ConsulHttpError(404, body);
export const methodNotAllowed = (method: string): ConsulHttpError => new ConsulHttpError(405, `method ${method} not allowed`);
/** Consul's answer to a read or write while no leader is known. */
export const noLeader = (): ConsulHttpError => new ConsulHttpError(500, 'No cluster leader');

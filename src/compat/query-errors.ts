// The failures of prepared-query operations, each carrying the text genuine Consul answers with.
// The HTTP route maps the kind to Consul's status: a body that does not decode is a 400 ("Request
// decode failed: ..."), an unknown query on get/execute/explain is a 404 ("Query not found"), and
// every other refusal travels through Consul's RPC layer, which sheds the error type, so it reaches
// the client as a 500 with the message as its body.
export type PreparedQueryErrorKind = 'decode' | 'not-found' | 'rejected';

export class PreparedQueryError extends Error {
  constructor(
    readonly kind: PreparedQueryErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Consul's structs.ErrQueryNotFound text. */
export const QUERY_NOT_FOUND = 'Query not found';

export const queryNotFound = (): PreparedQueryError => new PreparedQueryError('not-found', QUERY_NOT_FOUND);
export const queryRejected = (message: string): PreparedQueryError => new PreparedQueryError('rejected', message);
export const queryDecodeFailed = (message: string): PreparedQueryError => new PreparedQueryError('decode', message);

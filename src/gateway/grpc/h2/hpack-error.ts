/**
 * A header block that cannot be decoded (RFC 7541 §2.3.3, §4.2, §5, §5.2, §6.3). The HPACK state
 * of the connection is then unknown, so the transport answers with GOAWAY COMPRESSION_ERROR.
 */
export class HpackError extends Error {
  override name = 'HpackError';
}

/**
 * The decoded header list is larger than we accept. Unlike HpackError the block was read to its
 * end, so the dynamic table is still in step with the peer's: the transport may refuse only the
 * one stream and keep the connection.
 */
export class HeaderListTooLargeError extends HpackError {
  override name = 'HeaderListTooLargeError';
  constructor(readonly limit: number) {
    super(`hpack: header list larger than ${limit} bytes`);
  }
}

// What a stream of our HTTP/2 transport tells the code serving it (a gRPC call, or the adapter
// behind H2RequestStream's callbacks). An object rather than closures: one per call on the hot path.

export interface StreamSink {
  /** Request body bytes (DATA payload, padding removed), in order. */
  onData(chunk: Buffer): void;
  /** The client ended its side (END_STREAM). */
  onClientEnd(): void;
  /** The stream is over: both sides done, reset by either side, or the connection went. */
  onStreamClosed(): void;
  /** Everything a write left waiting has gone to the socket (after a write returned false). */
  drained(): void;
}

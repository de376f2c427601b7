// Splits a byte stream of concatenated JSON values ({..}{..} or newline separated) into whole values,
// as Go's json.Decoder reads the body of a bidi grpc-gateway call (/v3/watch, /v3/lease/keepalive).

export class JsonValueSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** What is left unfinished (at the end of the body: a truncated or malformed value). */
  rest(): string {
    return this.start >= 0 ? this.buf.slice(this.start) : this.buf.trim();
  }

  /** Feeds a chunk; returns the complete top-level values it finished (as text). */
  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') {
        this.inString = true;
        if (this.depth === 0 && this.start < 0) this.start = i;
      } else if (c === '{' || c === '[') {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.start = -1;
        }
      } else if (this.depth === 0 && c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
        // A scalar at top level: hand it over as is (the codec will refuse it with Go's text).
        out.push(c ?? '');
      }
    }
    if (this.depth === 0 && this.start < 0) {
      this.buf = '';
      this.scanned = 0;
    } else {
      if (this.start > 0) {
        this.buf = this.buf.slice(this.start);
        this.start = 0;
      }
      this.scanned = this.buf.length;
    }
    return out;
  }
}

// etcd 3.4's default "simple" tokens: "<16 random letters>.<index>", each living --auth-token-ttl
// seconds (default 300) after its last use. With the native auth store the tokens are replicated
// (AuthGate.issueToken) and live in the store's memory; this keeper is the fallback for auth stores
// without token support, holding the tokens of this member only.
import { randomInt } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PREFIX_LENGTH = 16;
const SWEEP_INTERVAL_MS = 1000;

interface Entry {
  user: string;
  expiresAt: number;
}

export class SimpleTokens {
  private readonly tokens = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private static counter = 0;

  /** "<16 random letters>.<n>" (etcd: n is the raft index of the Authenticate entry; here a counter). */
  static newToken(): string {
    let prefix = '';
    for (let i = 0; i < PREFIX_LENGTH; i++) prefix += LETTERS[randomInt(LETTERS.length)];
    return `${prefix}.${++SimpleTokens.counter}`;
  }

  issue(user: string): string {
    const token = SimpleTokens.newToken();
    this.add(token, user);
    return token;
  }

  add(token: string, user: string): void {
    this.tokens.set(token, { user, expiresAt: this.now() + this.ttlMs });
    this.startSweeper();
  }

  /** The user of a live token (its TTL starts again, as etcd's resetSimpleToken does), or undefined. */
  userOf(token: string): string | undefined {
    const e = this.tokens.get(token);
    if (!e) return undefined;
    const now = this.now();
    if (e.expiresAt <= now) {
      this.tokens.delete(token);
      return undefined;
    }
    e.expiresAt = now + this.ttlMs;
    return e.user;
  }

  /** UserDelete / UserChangePassword: etcd's invalidateUser drops the user's tokens. */
  invalidateUser(user: string): void {
    for (const [t, e] of this.tokens) if (e.user === user) this.tokens.delete(t);
  }

  /** AuthDisable: etcd's tokenProvider.disable() drops every token. */
  clear(): void {
    this.tokens.clear();
    this.stopSweeper();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = this.now();
      for (const [t, e] of this.tokens) if (e.expiresAt <= now) this.tokens.delete(t);
      if (this.tokens.size === 0) this.stopSweeper();
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

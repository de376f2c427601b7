// The MVCC state machine: entry points for src/native/node.ts and the CLI.
export { openMvccStore, MvccStore, type MvccStoreOptions } from './store.js';
export { encodeCommand, decodeCommand } from './command.js';
export type { Command, ApplyResult, ApplyValue, CommittedCommand, LeaseInfo, RangeResult, StateMachine } from './api.js';

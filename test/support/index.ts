// The process helpers every suite shares. Import from here:
//   import { startEtcd, startDcsgw, etcdctl, waitFor, skipUnlessBinaries, stopAllProcesses } from '../support/index.js';
export * from './wait.js';
export * from './binaries.js';
export * from './ports.js';
export * from './processes.js';
export * from './etcdctl.js';
export * from './members.js';
export * from './temp-dirs.js';

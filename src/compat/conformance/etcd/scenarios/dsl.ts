// Small constructors so scenario tables read like shell sessions.
import type { CtlStep, Scenario, SeedStep, Step } from '../types.js';

export const ctl = (...args: string[]): CtlStep => ({ ctl: args });
export const ctlIn = (input: string, ...args: string[]): CtlStep => ({ ctl: args, input });
/** etcdctl that runs until interrupted (watch, lock, elect): SIGINT after `ms`. */
export const ctlFor = (ms: number, ...args: string[]): CtlStep => ({ ctl: args, interruptAfterMs: ms });
/** etcdctl that runs until interrupted, ended (SIGINT, 200 ms later) once stdout matches `until`. */
export const ctlUntil = (until: string, ...args: string[]): CtlStep => ({ ctl: args, until });
export const seed = (...pairs: Array<[string, string]>): SeedStep => ({ seed: pairs });
/** Three keys a, b, c under the scenario prefix (revisions R+1..R+3), then b rewritten (R+4). */
export const abc = (): SeedStep => seed(['{P}a', '1'], ['{P}b', '2'], ['{P}c', '3'], ['{P}b', '22']);
export const scenario = (name: string, ...steps: Step[]): Scenario => ({ name, steps });
export const FORMATS = ['simple', 'json', 'fields', 'table'] as const;

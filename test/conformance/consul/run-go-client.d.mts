// Types of run-go-client.mjs (a plain-JS runner, so `node run-go-client.mjs` needs no build step).

export type GoTestStatus = 'pass' | 'fail' | 'skip' | 'notrun' | 'outofscope' | 'unselected' | 'running';

export interface GoTestResult {
  pkg: string;
  file: string;
  test: string;
  status: GoTestStatus;
  elapsed: number;
  output: string[];
  subtests: Record<string, string>;
  /** Logs of the agents this test started through the shim. */
  agents: string[];
  /** Whether the test started an agent (false: it exercised the client alone, e.g. on a mock server). */
  usesAgent: boolean;
  /** Ours (go/cli_test.go and friends) rather than the api module's. */
  own: boolean;
  reason?: string;
  cause?: string;
  owner?: string;
  excerpt?: string[];
  failingRequests?: string[];
}

export interface GoSuiteSummary {
  pass: number;
  passAgent: number;
  fail: number;
  skip: number;
  outofscope: number;
  notrun: number;
  unselected: number;
}

export interface GoSuiteRun {
  skipped?: string;
  go?: string;
  apiVersion?: string;
  workDir?: string;
  durationMs?: number;
  results: GoTestResult[];
  summary: GoSuiteSummary;
}

export interface FileCounts {
  file: string;
  total: number;
  pass: number;
  passClientOnly: number;
  fail: number;
  skip: number;
  outofscope: number;
  notrun: number;
}

export const REPO: string;
export const GO_DIR: string;
export const SHIM_DIR: string;
export const BASELINE_FILE: string;
export const STATUS_FILE: string;
export function findGo(): string | undefined;
export function runGoClientSuite(opts?: {
  go?: string;
  workDir?: string;
  only?: RegExp;
  first?: string[];
  budgetMs?: number;
  parallel?: number;
  log?: (line: string) => void;
}): Promise<GoSuiteRun>;
export function summarize(list: GoTestResult[]): GoSuiteSummary;
export function perFile(list: GoTestResult[]): FileCounts[];
export function readBaseline(): string[];
export function renderStatus(out: GoSuiteRun, baseline: string[]): string;
export function failureExcerpt(output: string[], max?: number): string[];

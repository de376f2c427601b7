// Consul conformance scenarios are data: HTTP requests against one agent, each with the answer
// genuine Consul gives (from its documentation, ../shared/reference/consul-http-api.md). With a
// reference agent the reference's answers replace the written ones.
//
// Templates in requests: {P} the scenario's KV prefix (conformance-<run>/<scenario>/), {N} a node
// and service name of the scenario's own (conformance-<run>-<scenario>), {NODE} the agent's node,
// {I1}.. the number behind index label <I1>.., {S1}.. the session ID behind label <S1>..
// In expected answers the same names appear as the normaliser writes them: {P} and {N} as written,
// '<I1>' for an index (any number, the same number wherever the same label is used), '<S1>' for a
// session ID, '<NODE>' / '<DC>' for the agent's node and datacenter, ABSENT for a field that must be
// missing (or empty).

export const ABSENT = '<ABSENT>';

export interface ConsulExpectation {
  status: number;
  /** A JSON body: only the fields written here are compared (newer Consul versions add fields). */
  json?: unknown;
  /** A plain-text body, compared whole (trailing whitespace aside). */
  text?: string;
  /** Shown headers' values: an index label, '<present>' (any positive integer), or a text. */
  headers?: Record<string, string>;
}

export interface ConsulStep {
  /** "METHOD /path?query" with templates. */
  req: string;
  /** A string is sent as is (KV values); anything else as JSON. */
  body?: unknown;
  expect: ConsulExpectation;
  /** Compare the status (and shown headers) only: the body's text is not documented. */
  statusOnly?: boolean;
}

export interface ConsulScenario {
  name: string;
  /** What the scenario checks, with the documented behaviour it relies on. */
  about: string;
  steps: ConsulStep[];
}

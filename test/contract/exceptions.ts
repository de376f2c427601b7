// The documented exceptions of the Backend contract, per backend: the case titles of
// ./backend-contract.ts that a backend does not honour, with the reason. ./README.md shows the same
// table to readers (./exceptions-table.test.ts keeps the two equal). A listed case runs as
// `it.fails`: when a backend starts honouring it, the suite says so and the entry must go.
export const CONTRACT_EXCEPTIONS: Record<string, Record<string, string>> = {
  native: {},
  memory: {
    'memberList and status describe the same cluster': 'the test double reports version "memory", not an etcd release',
  },
  etcd: {},
};

export function exceptionsOf(backend: string): Map<string, string> {
  const table = CONTRACT_EXCEPTIONS[backend];
  if (!table) throw new Error(`no exceptions entry for backend ${backend}: add one (even empty) to test/contract/exceptions.ts`);
  return new Map(Object.entries(table));
}

// An ordered map from strings to values: a B+tree with linked leaves, O(log n) insert and lookup,
// and ordered iteration from any lower bound. The key index stores keys as latin1 strings, whose
// JS comparison order (UTF-16 code units, all below 256) is exactly etcd's byte order.
//
// Deletion removes the entry from its leaf without rebalancing (keys are removed only by
// compaction, which is rare); once as many deletions as live entries have accumulated, the tree
// is rebuilt compactly from an ordered walk, which keeps the amortised cost O(log n).

const LEAF_MAX = 64;
const INNER_MAX = 64;

interface Leaf<V> {
  leaf: true;
  keys: string[];
  vals: V[];
  next: Leaf<V> | null;
}
interface Inner<V> {
  leaf: false;
  /** keys[i] is the smallest key reachable through children[i + 1]. */
  keys: string[];
  children: Node<V>[];
}
type Node<V> = Leaf<V> | Inner<V>;

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the child of an inner node that may hold k. */
function childIndex(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class OrderedMap<V> {
  private root: Node<V> = { leaf: true, keys: [], vals: [], next: null };
  private count = 0;
  private deletions = 0;

  get size(): number {
    return this.count;
  }

  get(k: string): V | undefined {
    const leaf = this.findLeaf(k);
    const i = lowerBound(leaf.keys, k);
    return i < leaf.keys.length && leaf.keys[i] === k ? leaf.vals[i] : undefined;
  }

  set(k: string, v: V): void {
    const split = this.insert(this.root, k, v);
    if (split) {
      this.root = { leaf: false, keys: [split.key], children: [this.root, split.node] };
    }
  }

  delete(k: string): boolean {
    const leaf = this.findLeaf(k);
    const i = lowerBound(leaf.keys, k);
    if (i >= leaf.keys.length || leaf.keys[i] !== k) return false;
    leaf.keys.splice(i, 1);
    leaf.vals.splice(i, 1);
    this.count--;
    if (++this.deletions > this.count + LEAF_MAX) this.rebuild();
    return true;
  }

  /** Calls fn for each entry with from <= key < to (to undefined = no upper bound), in order, until fn returns false. */
  forRange(from: string, to: string | undefined, fn: (k: string, v: V) => boolean | void): void {
    let leaf: Leaf<V> | null = this.findLeaf(from);
    let i = lowerBound(leaf.keys, from);
    while (leaf) {
      const keys = leaf.keys;
      for (; i < keys.length; i++) {
        const k = keys[i]!;
        if (to !== undefined && k >= to) return;
        if (fn(k, leaf.vals[i]!) === false) return;
      }
      leaf = leaf.next;
      i = 0;
    }
  }

  *entries(): IterableIterator<[string, V]> {
    let leaf: Leaf<V> | null = this.firstLeaf();
    while (leaf) {
      for (let i = 0; i < leaf.keys.length; i++) yield [leaf.keys[i]!, leaf.vals[i]!];
      leaf = leaf.next;
    }
  }

  clear(): void {
    this.root = { leaf: true, keys: [], vals: [], next: null };
    this.count = 0;
    this.deletions = 0;
  }

  private firstLeaf(): Leaf<V> {
    let n = this.root;
    while (!n.leaf) n = n.children[0]!;
    return n;
  }

  private findLeaf(k: string): Leaf<V> {
    let n = this.root;
    while (!n.leaf) n = n.children[childIndex(n.keys, k)]!;
    return n;
  }

  private insert(n: Node<V>, k: string, v: V): { key: string; node: Node<V> } | undefined {
    if (n.leaf) {
      const i = lowerBound(n.keys, k);
      if (i < n.keys.length && n.keys[i] === k) {
        n.vals[i] = v;
        return undefined;
      }
      n.keys.splice(i, 0, k);
      n.vals.splice(i, 0, v);
      this.count++;
      if (n.keys.length <= LEAF_MAX) return undefined;
      const half = n.keys.length >>> 1;
      const right: Leaf<V> = { leaf: true, keys: n.keys.splice(half), vals: n.vals.splice(half), next: n.next };
      n.next = right;
      return { key: right.keys[0]!, node: right };
    }
    const ci = childIndex(n.keys, k);
    const split = this.insert(n.children[ci]!, k, v);
    if (!split) return undefined;
    n.keys.splice(ci, 0, split.key);
    n.children.splice(ci + 1, 0, split.node);
    if (n.children.length <= INNER_MAX) return undefined;
    const half = n.children.length >>> 1;
    const rightChildren = n.children.splice(half);
    const rightKeys = n.keys.splice(half - 1);
    const up = rightKeys.shift()!;
    return { key: up, node: { leaf: false, keys: rightKeys, children: rightChildren } };
  }

  /** Bulk-load from an ordered walk: full leaves, then inner levels over them. */
  private rebuild(): void {
    const keys: string[] = [];
    const vals: V[] = [];
    for (const [k, v] of this.entries()) {
      keys.push(k);
      vals.push(v);
    }
    this.resetFromSorted(keys, vals);
  }

  /**
   * Replaces the contents with `keys` (strictly ascending, no duplicates) and their values, built
   * bottom-up: a store's open loads every key at once, and one build beats a descent per key.
   */
  resetFromSorted(keys: string[], vals: V[]): void {
    this.deletions = 0;
    this.count = keys.length;
    const fill = (LEAF_MAX * 3) >>> 2;
    let level: Node<V>[] = [];
    let prev: Leaf<V> | null = null;
    for (let i = 0; i < keys.length || level.length === 0; i += fill) {
      const leaf: Leaf<V> = { leaf: true, keys: keys.slice(i, i + fill), vals: vals.slice(i, i + fill), next: null };
      if (prev) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
    }
    const minKey = (n: Node<V>): string => {
      while (!n.leaf) n = n.children[0]!;
      return n.keys[0] ?? '';
    };
    const innerFill = (INNER_MAX * 3) >>> 2;
    while (level.length > 1) {
      const next: Node<V>[] = [];
      for (let i = 0; i < level.length; i += innerFill) {
        const children = level.slice(i, i + innerFill);
        next.push({ leaf: false, keys: children.slice(1).map(minKey), children });
      }
      level = next;
    }
    this.root = level[0]!;
  }
}

// What Consul's DNS interface answers for one question inside its domains: the records of nodes,
// services, prepared queries, addr names, reverse names and the domain's own SOA/NS, or the
// negative answer Consul gives (NXDOMAIN with the SOA for an unknown name, NOERROR with the SOA for
// a known name without records of the asked type, SERVFAIL when a lookup fails).
import { isIP } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { PreparedQueries } from '../../../compat/prepared-queries.js';
import { healthyEntries, shuffleInPlace, type QueryCatalog, type ServiceEntryView } from '../../../compat/query-catalog.js';
import { PreparedQueryError } from '../../../compat/query-errors.js';
import { parseGoDuration } from '../query-options.js';
import { canonicalName, classify, type Classified, type NameLookup } from './names.js';
import { recurse } from './recursor.js';
import { serviceTtlOf, type DnsSettings } from './options.js';
import {
  addrName,
  cnameRecord,
  hexToIp,
  ipRecord,
  metaTxtRecords,
  nsRecord,
  ptrRecord,
  soaRecord,
  srvRecord,
} from './records.js';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface LookupAnswer {
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** False only for a prepared query's answer (its EDNS client-subnet scope is the asked subnet). */
  ecsGlobal: boolean;
}

export interface DnsSources {
  catalog: QueryCatalog;
  queries: PreparedQueries;
  datacenter: string;
  /** This agent's node and address: it is a server, so it answers for the domain when the catalog lists no "consul" service. */
  agentNode: string;
  agentAddress: string;
}

export interface Question {
  name: string;
  type: string;
  /** The asking client's address (prepared queries may sort near it). */
  clientIp: string;
  /** The client sent EDNS (records chased behind a CNAME are then not capped at five). */
  edns: boolean;
  /** How many more levels of CNAMEs into Consul's own domains may be followed. */
  depth?: number;
}

/** How deep Consul follows CNAMEs that point back into its own domain. */
const MAX_RECURSION_LEVEL = 3;
/** Records taken from behind a CNAME for a client without EDNS. */
const MAX_RECURSE_RECORDS = 5;

/** One service instance as the record builders need it. */
interface Instance {
  node: string;
  nodeAddress: string;
  nodeMeta: Record<string, string> | null | undefined;
  service: string;
  serviceAddress: string;
  port: number;
  weight: number;
}

class NameError extends Error {}
class NoData extends Error {}

const nameError = (): never => {
  throw new NameError();
};

function instanceOf(e: ServiceEntryView): Instance {
  return {
    node: e.Node.Node,
    nodeAddress: e.Node.Address,
    nodeMeta: e.Node.Meta,
    service: e.Service.Service,
    serviceAddress: e.Service.Address ?? '',
    port: e.Service.Port ?? 0,
    weight: PreparedQueries.weightOf(e),
  };
}

/** Whether an address record may answer this question type (Consul's canReturnA / canReturnAAAA). */
function fitsQuestion(ip: string, qtype: string): boolean {
  const common = qtype === 'SRV' || qtype === 'ANY' || qtype === 'NS' || qtype === 'TXT';
  return isIP(ip) === 6 ? common || qtype === 'AAAA' : common || qtype === 'A';
}

/** An address record goes in the answer when its own type (or ANY) was asked, else in the additional section. */
function placeAddress(rec: Answer, qtype: string, answers: Answer[], extras: Answer[]): void {
  if (rec.type === qtype || qtype === 'ANY') answers.push(rec);
  else extras.push(rec);
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function recordKey(r: Answer): string {
  return `${r.name}|${r.type}|${JSON.stringify((r as { data?: unknown }).data)}`;
}

export class DnsLookup {
  constructor(
    private readonly sources: DnsSources,
    private readonly settings: DnsSettings,
    /** Told about a lookup that failed (answered SERVFAIL), as Consul logs it. */
    private readonly onFailure: (err: unknown, name: string) => void = () => undefined,
  ) {}

  async answer(c: Exclude<Classified, { kind: 'recurse' }>, q: Question): Promise<LookupAnswer> {
    const domain = c.responseDomain;
    try {
      switch (c.kind) {
        case 'domain':
          return await this.domainRecords(domain, q);
        case 'ptr':
          return this.ok(await this.reverse(c.ip, q, domain), [], []);
        case 'addr':
          return this.addr(c.hex, q);
        case 'name':
          return await this.named(c.lookup ?? nameError(), q, domain);
      }
    } catch (err) {
      if (err instanceof NameError) return this.negative('NXDOMAIN', domain, true);
      if (err instanceof NoData) return this.negative('NOERROR', domain, true);
      if (err instanceof PreparedQueryError && err.kind === 'not-found') return this.negative('NXDOMAIN', domain, false);
      this.onFailure(err, q.name);
      return { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [], ecsGlobal: true };
    }
  }

  /** An authoritative answer with no records and the SOA in the authority section. */
  negative(rcode: Rcode, domain: string, ecsGlobal: boolean): LookupAnswer {
    return { rcode, authoritative: true, answers: [], authorities: [soaRecord(domain, this.settings.soa)], additionals: [], ecsGlobal };
  }

  private ok(answers: Answer[], authorities: Answer[], additionals: Answer[], ecsGlobal = true): LookupAnswer {
    return { rcode: 'NOERROR', authoritative: true, answers, authorities, additionals, ecsGlobal };
  }

  private nodeFqdn(node: string, domain: string): string {
    return `${node}.node.${this.sources.datacenter}.${domain}`;
  }

  // ---- the domain itself: SOA and NS ----

  /** The servers that answer for the domain: healthy "consul" instances (at most three), else this agent. */
  private async servers(): Promise<Instance[]> {
    const entries = healthyEntries(await this.sources.catalog.serviceEntries('consul'), false);
    if (entries.length > 0) return shuffleInPlace(entries).slice(0, 3).map(instanceOf);
    const s = this.sources;
    return [{ node: s.agentNode, nodeAddress: s.agentAddress, nodeMeta: null, service: 'consul', serviceAddress: '', port: 8300, weight: 1 }];
  }

  private async domainRecords(domain: string, q: Question): Promise<LookupAnswer> {
    const ttl = serviceTtlOf(this.settings, 'consul');
    const ns: Answer[] = [];
    const extras: Answer[] = [];
    for (const srv of await this.servers()) {
      const fqdn = this.nodeFqdn(srv.node, domain);
      ns.push(nsRecord(domain, fqdn, ttl));
      if (isIP(srv.nodeAddress)) extras.push(ipRecord(fqdn, srv.nodeAddress, ttl));
    }
    if (q.type === 'SOA') return this.ok([soaRecord(domain, this.settings.soa)], ns, extras);
    return this.ok(ns, [], extras);
  }

  // ---- <hex>.addr ----

  private addr(hex: string, q: Question): LookupAnswer {
    const ip = hexToIp(hex) ?? nameError();
    const answers: Answer[] = [];
    const extras: Answer[] = [];
    placeAddress(ipRecord(q.name, ip, this.settings.nodeTtl), q.type, answers, extras);
    return this.ok(answers, [], extras);
  }

  // ---- reverse lookups ----

  private async reverse(ip: string | undefined, q: Question, domain: string): Promise<Answer[]> {
    if (!ip) nameError();
    const catalog = this.sources.catalog;
    const node = (await catalog.nodes()).find((n) => n.Address === ip);
    if (node) return [ptrRecord(q.name, this.nodeFqdn(node.Node, domain))];
    const hit = (await catalog.allServiceEntries()).find((e) => e.Service.Address === ip);
    if (hit) return [ptrRecord(q.name, `${hit.Service.Service}.service.${this.sources.datacenter}.${domain}`)];
    return nameError();
  }

  // ---- <...>.node / .service / .query / mesh forms ----

  private async named(l: NameLookup, q: Question, domain: string): Promise<LookupAnswer> {
    if (l.foreignTenancy) nameError();
    if (l.datacenter !== '' && l.datacenter !== this.sources.datacenter.toLowerCase()) nameError(); // no path to that datacenter
    switch (l.type) {
      case 'node':
        return this.node(l.name, q, domain);
      case 'service': {
        let entries = await this.sources.catalog.serviceEntries(l.name);
        if (l.tag !== '') {
          const tag = l.tag.toLowerCase();
          entries = entries.filter((e) => (e.Service.Tags ?? []).some((t) => t.toLowerCase() === tag));
        }
        entries = healthyEntries(entries, this.settings.onlyPassing);
        if (entries.length === 0) nameError();
        return await this.services(shuffleInPlace(entries).map(instanceOf), q, domain, serviceTtlOf(this.settings, l.name));
      }
      case 'query': {
        const result = await this.sources.queries.execute(l.name, {
          agentNode: this.sources.agentNode,
          sourceIp: q.clientIp,
          catalog: this.sources.catalog,
          stale: this.settings.allowStale,
        });
        if (result.Nodes.length === 0) nameError();
        let ttl = serviceTtlOf(this.settings, l.name);
        if (result.DNS.TTL !== '') {
          const ms = parseGoDuration(result.DNS.TTL);
          if (ms !== undefined) ttl = Math.floor(ms / 1000);
        }
        const answer = await this.services(result.Nodes.map(instanceOf), q, domain, ttl);
        return { ...answer, ecsGlobal: false };
      }
      case 'virtual':
        // No service has a virtual IP without service mesh: Consul answers with an empty NOERROR.
        return { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [], additionals: [], ecsGlobal: true };
      case 'connect':
      case 'ingress':
      case 'workload':
        // Service mesh is off: no Connect-capable instance or ingress gateway exists.
        return nameError();
    }
  }

  private async node(name: string, q: Question, domain: string): Promise<LookupAnswer> {
    const n = (await this.sources.catalog.node(name)) ?? nameError();
    const ttl = this.settings.nodeTtl;
    const answers: Answer[] = [];
    const extras: Answer[] = [];
    const addr = n.Address;
    if (isIP(addr)) {
      if (fitsQuestion(addr, q.type)) {
        if (q.type === 'SRV') {
          // Consul answers SRV for a node too: port 0, the node's own name as target.
          const target = this.nodeFqdn(n.Node, domain);
          answers.push(srvRecord(q.name, target, 0, 0, ttl));
          extras.push(ipRecord(target, addr, ttl));
        } else placeAddress(ipRecord(q.name, addr, ttl), q.type, answers, extras);
      }
    } else if (addr !== '') {
      if (q.type === 'SRV') answers.push(srvRecord(q.name, fqdn(addr), 0, 0, ttl));
      const [a, e] = await this.fromFqdn(q, addr, addr, ttl);
      answers.push(...a);
      extras.push(...e);
    }
    const txt = metaTxtRecords(q.name, n.Meta, ttl);
    if (q.type === 'ANY' || q.type === 'TXT') answers.push(...txt);
    else if (this.settings.nodeMetaTxt) extras.push(...txt);
    if (answers.length === 0 && extras.length === 0) throw new NoData();
    return this.ok(answers, [], extras);
  }

  /**
   * Consul's records for an address that is a hostname: for SRV the caller's SRV points at it and
   * what stands behind it goes in the additional section; otherwise a CNAME to it followed by
   * what stands behind it. Returns [answers, additionals].
   */
  private async fromFqdn(q: Question, target: string, cnameTo: string, ttl: number): Promise<[Answer[], Answer[]]> {
    const behind = await this.chase(fqdn(target), ttl, q);
    if (q.type === 'SRV') return [[], behind];
    return [[cnameRecord(q.name, cnameTo, ttl), ...behind], []];
  }

  /**
   * What a CNAME target resolves to: a name in Consul's own domains is looked up here (as ANY, at
   * most three levels deep), any other name is asked of the recursors (as A), if there are any.
   * Only CNAME, A, AAAA and TXT records are kept, with the answer's TTL, at most five without EDNS.
   */
  private async chase(target: string, ttl: number, q: Question): Promise<Answer[]> {
    const name = canonicalName(target);
    const s = this.settings;
    const own = name.endsWith(`.${s.domain}`) || (s.altDomain !== '' && name.endsWith(`.${s.altDomain}`));
    let more: Answer[] = [];
    if (own) {
      const depth = q.depth ?? MAX_RECURSION_LEVEL;
      if (depth < 1) return [];
      const c = classify(name, 'ANY', s);
      if (c.kind !== 'recurse') more = (await this.answer(c, { ...q, name, type: 'ANY', depth: depth - 1 })).answers;
    } else if (s.recursors.length > 0) {
      const ask = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] });
      const reply = await recurse(ask, s.recursorStrategy === 'random' ? shuffleInPlace([...s.recursors]) : s.recursors, 'udp', s.recursorTimeoutMs);
      if (reply) {
        try {
          more = dnsPacket.decode(reply).answers ?? [];
        } catch {
          more = [];
        }
      }
    }
    const kept: Answer[] = [];
    for (const rr of more) {
      if (rr.type !== 'CNAME' && rr.type !== 'A' && rr.type !== 'AAAA' && rr.type !== 'TXT') continue;
      kept.push({ ...rr, ttl } as Answer);
      if (kept.length === MAX_RECURSE_RECORDS && !q.edns) break;
    }
    return kept;
  }

  /** The records of service instances (a service lookup or a prepared query's result). */
  private async services(instances: Instance[], q: Question, domain: string, ttl: number): Promise<LookupAnswer> {
    const dc = this.sources.datacenter;
    const answers: Answer[] = [];
    const extras: Answer[] = [];
    if (q.type === 'SRV') {
      const seen = new Set<string>();
      for (const inst of instances) {
        const address = inst.serviceAddress !== '' ? inst.serviceAddress : inst.nodeAddress;
        const tuple = `${inst.node}:${address}:${inst.port}`;
        if (seen.has(tuple)) continue;
        seen.add(tuple);
        let target: string;
        if (inst.serviceAddress === '' && isIP(inst.nodeAddress)) {
          target = this.nodeFqdn(inst.node, domain);
          extras.push(ipRecord(target, inst.nodeAddress, ttl));
        } else if (inst.serviceAddress === '') {
          target = fqdn(inst.nodeAddress);
          extras.push(...(await this.chase(target, ttl, q)));
        } else if (isIP(inst.serviceAddress)) {
          target =
            inst.serviceAddress !== inst.nodeAddress
              ? addrName(inst.serviceAddress, dc, domain)
              : `${inst.service}.service.${dc}.${domain}`;
          extras.push(ipRecord(target, inst.serviceAddress, ttl));
        } else {
          target = fqdn(inst.serviceAddress);
          extras.push(...(await this.chase(target, ttl, q)));
        }
        answers.push(srvRecord(q.name, target, inst.port, inst.weight, ttl));
        if (this.settings.nodeMetaTxt) {
          const txtName = inst.serviceAddress !== '' && !isIP(inst.serviceAddress) ? q.name : this.nodeFqdn(inst.node, domain);
          extras.push(...metaTxtRecords(txtName, inst.nodeMeta, ttl));
        }
      }
    } else {
      const seen = new Set<string>();
      let cnames: Answer[] = [];
      let count = 0;
      for (const inst of instances) {
        const address = inst.serviceAddress !== '' ? inst.serviceAddress : inst.nodeAddress;
        if (address === '') continue;
        if (!isIP(address)) {
          // A hostname: a CNAME to it, with what stands behind it; used only when no instance has an address record.
          const cname = cnameRecord(q.name, address, ttl);
          if (!seen.has(recordKey(cname))) {
            seen.add(recordKey(cname));
            if (cnames.length === 0) cnames = (await this.fromFqdn(q, address, address, ttl))[0];
          }
          continue;
        }
        if (!fitsQuestion(address, q.type)) continue;
        const rec = ipRecord(q.name, address, ttl);
        if (seen.has(recordKey(rec))) continue;
        seen.add(recordKey(rec));
        const before = answers.length;
        placeAddress(rec, q.type, answers, extras);
        if (answers.length > before) {
          count++;
          if (this.settings.aRecordLimit > 0 && count >= this.settings.aRecordLimit) break;
        }
      }
      if (answers.length === 0 && cnames.length > 0) answers.push(...cnames);
    }
    if (answers.length === 0 && extras.length === 0) throw new NoData();
    return this.ok(answers, [], extras);
  }
}

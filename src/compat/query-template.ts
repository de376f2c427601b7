// Prepared query templates (Template.Type "name_prefix_match"): a query whose Name is a prefix of
// the name being resolved, whose Service fields may interpolate ${name.full}, ${name.prefix},
// ${name.suffix}, ${agent.segment} and ${match(N)} (the Nth submatch of Template.Regexp against the
// full name). Consul compiles the template when it is stored (a bad expression or regexp is refused
// then) and renders it for each name it answers.
import type { PreparedQueryDefinition, ServiceQuery } from './query-definition.js';
import { NAME_PREFIX_MATCH } from './query-definition.js';

interface RenderScope {
  full: string;
  prefix: string;
  suffix: string;
  segment: string;
  matches: string[];
}

/**
 * Go (RE2) regexp syntax that JavaScript spells differently: named groups (?P<name>...), leading
 * flag groups such as (?i) or (?is), and the \A / \z anchors.
 */
function toJsRegExp(source: string): RegExp {
  let flags = '';
  let body = source;
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead) {
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  return new RegExp(body, flags);
}

/** Evaluates one ${...} expression; throws the reason when it is not one Consul's templates know. */
function evaluate(expr: string, scope: RenderScope): string {
  const e = expr.trim();
  switch (e) {
    case 'name.full':
      return scope.full;
    case 'name.prefix':
      return scope.prefix;
    case 'name.suffix':
      return scope.suffix;
    case 'agent.segment':
      return scope.segment;
  }
  const call = /^match\(\s*(-?\d+)\s*\)$/.exec(e);
  if (call) {
    const i = Number(call[1]);
    return i >= 0 && i < scope.matches.length ? (scope.matches[i] ?? '') : '';
  }
  if (/^[A-Za-z_][\w.-]*$/.test(e)) throw new Error(`unknown variable accessed: ${e}`);
  throw new Error(`unsupported expression: ${e}`);
}

/** Interpolates every ${...} of `text` ("$${" stands for a literal "${"). */
function interpolate(text: string, scope: RenderScope, path: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new Error(`Bad format '${text}' in Service${path}: expected "}" but found end of input`);
      try {
        out += evaluate(text.slice(i + 2, end), scope);
      } catch (err) {
        throw new Error(`Bad evaluation for '${text}' in Service${path}: ${(err as Error).message}`);
      }
      i = end + 1;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

function renderList(list: string[] | null, scope: RenderScope, path: string): string[] | null {
  return list === null ? null : list.map((s, i) => interpolate(s, scope, `${path}[${i}]`));
}

function renderMap(map: Record<string, string> | null, scope: RenderScope, path: string): Record<string, string> | null {
  if (map === null) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k] = interpolate(v, scope, `${path}[${k}]`);
  return out;
}

function renderService(svc: ServiceQuery, scope: RenderScope): ServiceQuery {
  return {
    ...svc,
    Service: interpolate(svc.Service, scope, '.Service'),
    SamenessGroup: interpolate(svc.SamenessGroup, scope, '.SamenessGroup'),
    Near: interpolate(svc.Near, scope, '.Near'),
    Peer: interpolate(svc.Peer, scope, '.Peer'),
    Tags: renderList(svc.Tags, scope, '.Tags'),
    IgnoreCheckIDs: renderList(svc.IgnoreCheckIDs, scope, '.IgnoreCheckIDs'),
    NodeMeta: renderMap(svc.NodeMeta, scope, '.NodeMeta'),
    ServiceMeta: renderMap(svc.ServiceMeta, scope, '.ServiceMeta'),
    Failover: {
      ...svc.Failover,
      Datacenters: renderList(svc.Failover.Datacenters, scope, '.Failover.Datacenters'),
      Targets:
        svc.Failover.Targets === null
          ? null
          : svc.Failover.Targets.map((t, i) => ({
              Peer: interpolate(t.Peer, scope, `.Failover.Targets[${i}].Peer`),
              Datacenter: interpolate(t.Datacenter, scope, `.Failover.Targets[${i}].Datacenter`),
            })),
    },
  };
}

export function isTemplate(q: PreparedQueryDefinition): boolean {
  return q.Template.Type !== '';
}

/**
 * Renders the template `q` for the looked-up `name`. Throws Consul's message when the template
 * cannot render (also used to vet a template when it is stored, with its own Name).
 */
export function renderTemplate<Q extends PreparedQueryDefinition>(q: Q, name: string, segment = ''): Q {
  let matches: string[] = [];
  if (q.Template.Regexp !== '') {
    const m = toJsRegExp(q.Template.Regexp).exec(name);
    matches = m ? Array.from(m, (s) => s ?? '') : [];
  }
  const scope: RenderScope = {
    full: name,
    prefix: q.Name,
    suffix: name.startsWith(q.Name) ? name.slice(q.Name.length) : name,
    segment,
    matches,
  };
  const service = renderService(q.Service, scope);
  if (q.Template.RemoveEmptyTags && service.Tags !== null) service.Tags = service.Tags.filter((t) => t !== '');
  return { ...q, Service: service };
}

/** Consul's template compile step (run before storing): the type, the regexp and a trial render. Returns the refusal text or undefined. */
export function templateProblem(q: PreparedQueryDefinition): string | undefined {
  if (!isTemplate(q)) return undefined;
  if (q.Template.Type !== NAME_PREFIX_MATCH) return `Bad Template.Type '${q.Template.Type}'`;
  if (q.Template.Regexp !== '') {
    try {
      toJsRegExp(q.Template.Regexp);
    } catch (err) {
      return `Bad Regexp: ${(err as Error).message}`;
    }
  }
  try {
    renderTemplate(q, q.Name);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

// ACLs in Consul's DNS interface: a lookup sees only the nodes and services its token may read.
// DNS requests carry no token, so the agent's dns token is used (tokens.dns), else its default
// token, else the anonymous token, as Consul's DNS server does. With ACLs off nothing is filtered.
import type { Authorizer } from '../../compat/acl/authorizer.js';
import { ANONYMOUS_SECRET_ID } from '../../compat/acl/model.js';
import type { QueryCatalog } from '../../compat/query-catalog.js';
import type { ConsulContext } from './context.js';
import { aclStoreOf } from './routes/acl.js';

/** The catalog a DNS lookup reads, filtered by what the agent's DNS token may read. */
export function aclFilteredCatalog(ctx: ConsulContext, catalog: QueryCatalog): QueryCatalog {
  const store = aclStoreOf(ctx);
  if (!store.settings.enabled) return catalog;
  const authorizer = async (): Promise<Authorizer | undefined> => {
    await store.ensureInitialized();
    const secret = store.agentTokens.dns || store.agentTokens.default || ANONYMOUS_SECRET_ID;
    try {
      return (await store.resolve(secret, false)).authorizer;
    } catch {
      return undefined; // an unknown token sees nothing
    }
  };
  const nodeOk = (az: Authorizer | undefined, node: string) => az !== undefined && az.allowed('node', 'read', node);
  const serviceOk = (az: Authorizer | undefined, node: string, service: string) => nodeOk(az, node) && az!.allowed('service', 'read', service);
  return {
    async serviceEntries(service) {
      const az = await authorizer();
      return (await catalog.serviceEntries(service)).filter((e) => serviceOk(az, e.Node.Node, e.Service.Service));
    },
    async node(name) {
      const az = await authorizer();
      const n = await catalog.node(name);
      return n && nodeOk(az, n.Node) ? n : undefined;
    },
    async nodes() {
      const az = await authorizer();
      return (await catalog.nodes()).filter((n) => nodeOk(az, n.Node));
    },
    async serviceNames() {
      const az = await authorizer();
      return (await catalog.serviceNames()).filter((s) => az !== undefined && az.allowed('service', 'read', s));
    },
    async allServiceEntries() {
      const az = await authorizer();
      return (await catalog.allServiceEntries()).filter((e) => serviceOk(az, e.Node.Node, e.Service.Service));
    },
  };
}

// Consul's templated policies: built-in policy templates a token or role links by name with its
// variables (builtin/service with a service name, builtin/node with a node name, builtin/dns, and
// the Nomad ones); each stands for the rules its template renders to.
export interface TemplatedPolicy {
  TemplateName: string;
  /** JSON schema of the variables ('' when the template takes none). */
  Schema: string;
  Template: string;
  Description: string;
}

export interface TemplatedPolicyLink {
  TemplateName: string;
  TemplateVariables?: { name: string };
  Datacenters?: string[];
}

const NAME_SCHEMA = `{
	"type": "object",
	"properties": {
		"name": { "type": "string", "$ref": "#/definitions/min-length-one" }
	},
	"required": ["name"],
	"definitions": {
		"min-length-one": {
				"type": "string",
				"minLength": 1
		}
	}
}`;

export const TEMPLATED_POLICIES: Record<string, TemplatedPolicy> = {
  'builtin/service': {
    TemplateName: 'builtin/service',
    Schema: NAME_SCHEMA,
    Template: `
service "{{.Name}}" {
	policy = "write"
}
service "{{.Name}}-sidecar-proxy" {
	policy = "write"
}
service_prefix "" {
	policy = "read"
}
node_prefix "" {
	policy = "read"
}`,
    Description:
      "Gives the token or role permissions to register a service and discover services in the Consul catalog. It also gives the specified service's sidecar proxy the permission to discover and route traffic to other services.",
  },
  'builtin/node': {
    TemplateName: 'builtin/node',
    Schema: NAME_SCHEMA,
    Template: `
node "{{.Name}}" {
	policy = "write"
}
service_prefix "" {
	policy = "read"
}`,
    Description: 'Gives the token or role permissions for a register an agent/node into the catalog. A node is typically a consul agent but can also be a physical server, cloud instance or a container.',
  },
  'builtin/dns': {
    TemplateName: 'builtin/dns',
    Schema: '',
    Template: `
node_prefix "" {
	policy = "read"
}
service_prefix "" {
	policy = "read"
}
query_prefix "" {
	policy = "read"
}`,
    Description: 'Gives the token or role permissions for the Consul DNS to query services in the network.',
  },
  'builtin/nomad-server': {
    TemplateName: 'builtin/nomad-server',
    Schema: '',
    Template: `
acl = "write"
agent_prefix "" {
	policy = "read"
}
node_prefix "" {
	policy = "read"
}
service_prefix "" {
	policy = "write"
}`,
    Description: 'Gives the token or role permissions required for integration with a nomad server.',
  },
  'builtin/nomad-client': {
    TemplateName: 'builtin/nomad-client',
    Schema: NAME_SCHEMA,
    Template: `
agent_prefix "" {
	policy = "read"
}
node "{{.Name}}" {
	policy = "write"
}
service_prefix "" {
	policy = "write"
}
key_prefix "" {
	policy = "read"
}`,
    Description: 'Gives the token or role permissions required for integration with a nomad client.',
  },
};

export class TemplatedPolicyError extends Error {}

/** The rules a templated policy link stands for (its variables checked as Consul checks them). */
export function renderTemplatedPolicy(name: string, variables: { name?: string } | undefined): string {
  const t = TEMPLATED_POLICIES[name];
  if (!t) throw new TemplatedPolicyError(`no such ACL templated policy with name "${name}"`);
  const value = variables?.name ?? '';
  if (t.Schema !== '' && value === '') throw new TemplatedPolicyError(`validation error for templated policy: ${name}: name is required`);
  return t.Template.replaceAll('{{.Name}}', value).trim();
}

/** The variables of a link, as Consul writes them back (lower-case "name"), or undefined for none. */
export function templateVariablesOf(raw: unknown): { name: string } | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (k.toLowerCase() === 'name' && typeof v === 'string') return { name: v };
  return undefined;
}

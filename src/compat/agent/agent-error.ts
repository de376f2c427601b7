// An error of the agent's own state (registration, check updates, maintenance) that reaches a
// client with Consul's status code and plain-text message. compat/ cannot import the HTTP layer,
// so the route turns this into its ConsulHttpError one to one.
export class AgentError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const agentBadRequest = (message: string): AgentError => new AgentError(400, message);
export const agentNotFound = (message: string): AgentError => new AgentError(404, message);
/** Consul returns plain Go errors of the agent as 500 with the error text. */
export const agentInternal = (message: string): AgentError => new AgentError(500, message);

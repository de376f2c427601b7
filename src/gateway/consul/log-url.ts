// A request URL as the agent logs it: Consul hides an ACL token given in the query string
// (`?token=<hidden>`), so a secret never reaches the logs.
export function loggableUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1<hidden>');
}

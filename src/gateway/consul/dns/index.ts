// The DNS interface's public entry: startConsulDns (server.ts) and its options.
export { startConsulDns, type ConsulDnsServer } from './server.js';
export { dnsSettingsFromConfig, type ConsulDnsOptions, type DnsSettings } from './options.js';

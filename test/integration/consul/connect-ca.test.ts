// The built-in Connect CA's roots: what the Go client's testutil waits for before any test
// (makeClient polls /v1/agent/connect/ca/roots for an ActiveRootID) and what Consul serves with
// connect enabled; with connect off, Consul's refusal.
import { X509Certificate, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consulFaceForSuite } from '../../support/consul-face.js';

const on = consulFaceForSuite({ agent: { config: { connect: { enabled: true, ca_config: { cluster_id: '11111111-2222-3333-4444-555555555555' } } } } });
const off = consulFaceForSuite();

describe('connect CA roots', () => {
  it('serves one active root, the same on both endpoints and across calls', async () => {
    const res = await fetch(`${on.url}/v1/agent/connect/ca/roots`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const list = (await res.json()) as { ActiveRootID: string; TrustDomain: string; Roots: Array<Record<string, unknown>> };
    expect(list.TrustDomain).toBe('11111111-2222-3333-4444-555555555555.consul'); // connect.ca_config.cluster_id
    expect(list.Roots).toHaveLength(1);
    const root = list.Roots[0]!;
    expect(root).toMatchObject({ ID: list.ActiveRootID, Name: 'Consul CA Primary Cert', Active: true, PrivateKeyType: 'ec', PrivateKeyBits: 256, IntermediateCerts: null });
    expect(Number(res.headers.get('x-consul-index'))).toBe(root['ModifyIndex']);
    const again = (await (await fetch(`${on.url}/v1/connect/ca/roots`)).json()) as typeof list;
    expect(again).toEqual(list);
  });

  it('is a CA certificate for the cluster trust domain whose ID is its SHA-1 fingerprint', async () => {
    const list = (await (await fetch(`${on.url}/v1/connect/ca/roots`)).json()) as { TrustDomain: string; Roots: Array<{ ID: string; RootCert: string; SigningKeyID: string; NotBefore: string; NotAfter: string }> };
    const root = list.Roots[0]!;
    const cert = new X509Certificate(root.RootCert);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(`URI:spiffe://${list.TrustDomain}`);
    expect(root.ID).toBe(createHash('sha1').update(cert.raw).digest('hex').match(/../g)!.join(':'));
    expect(new Date(root.NotBefore).getTime()).toBe(new Date(cert.validFrom).getTime());
    expect(new Date(root.NotAfter).getTime()).toBe(new Date(cert.validTo).getTime());
    const pem = await (await fetch(`${on.url}/v1/connect/ca/roots?pem=true`)).text();
    expect(pem).toBe(root.RootCert);
  });

  it('answers as Consul with connect disabled', async () => {
    const res = await fetch(`${off.url}/v1/agent/connect/ca/roots`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Connect must be enabled in order to use this endpoint');
  });
});

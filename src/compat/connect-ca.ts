// The built-in Connect CA's root, as a Consul server with connect enabled keeps it: one root per
// cluster, made once by whichever agent first needs it and stored in the system keyspace
// (connect/ca-root) with a create-if-absent txn, so every agent of the cluster reports the same
// root and trust domain. Only the roots are served: leaf signing and the rest of the service mesh
// are not built, and their endpoints say so (routes/unsupported.ts).
import { randomUUID } from 'node:crypto';
import { CompareResult, CompareTarget, type Backend } from '../adapters/backend.js';
import { putRequest, rangeRequest, EMPTY_BYTES } from '../adapters/requests.js';
import { SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

/** What the certificate maker returns for a new root. */
export interface RootMaterial {
  /** Consul's root ID: the colon-separated hex SHA-1 fingerprint of the certificate. */
  id: string;
  /** Colon-separated hex of the certificate's subject key identifier. */
  signingKeyId: string;
  serialNumber: number;
  notBefore: string;
  notAfter: string;
  rootCertPem: string;
  privateKeyBits: number;
}

interface StoredRoot extends RootMaterial {
  trustDomain: string;
}

/** One entry of Consul's CARootList.Roots, in its field order. */
export interface CaRoot {
  ID: string;
  Name: string;
  SerialNumber: number;
  SigningKeyID: string;
  ExternalTrustDomain: string;
  NotBefore: string;
  NotAfter: string;
  RootCert: string;
  IntermediateCerts: null;
  Active: boolean;
  PrivateKeyType: string;
  PrivateKeyBits: number;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface CaRootList {
  ActiveRootID: string;
  TrustDomain: string;
  Roots: CaRoot[];
}

const ROOT_KEY = systemKey(SystemPrefix.connect, 'ca-root');

export class ConnectCa {
  constructor(private readonly backend: Backend) {}

  /** The roots, creating the cluster's root with `make(trustDomain)` when there is none yet. */
  async roots(make: (trustDomain: string) => RootMaterial, clusterId?: string): Promise<{ index: number; value: CaRootList }> {
    let found = await this.read();
    if (!found) {
      // connect.ca_config.cluster_id names the trust domain when configured (the Go client's test
      // servers set it); otherwise the cluster gets a fresh one, as Consul's CA initialisation does.
      const trustDomain = `${clusterId ?? randomUUID()}.consul`;
      const stored: StoredRoot = { ...make(trustDomain), trustDomain };
      await this.backend.txn({
        compare: [{ keyspace: SYSTEM, key: ROOT_KEY, rangeEnd: EMPTY_BYTES, target: CompareTarget.CREATE, result: CompareResult.EQUAL, createRevision: 0 }],
        success: [{ requestPut: putRequest(ROOT_KEY, Buffer.from(JSON.stringify(stored)), { keyspace: SYSTEM }) }],
        failure: [],
      });
      // Another agent may have won the race: read what the store holds.
      found = await this.read();
      if (!found) throw new Error('connect CA root could not be stored');
    }
    const { root, createIndex, modifyIndex } = found;
    return {
      index: modifyIndex,
      value: {
        ActiveRootID: root.id,
        TrustDomain: root.trustDomain,
        Roots: [
          {
            ID: root.id,
            Name: 'Consul CA Primary Cert',
            SerialNumber: root.serialNumber,
            SigningKeyID: root.signingKeyId,
            ExternalTrustDomain: root.trustDomain.replace(/\.consul$/, ''),
            NotBefore: root.notBefore,
            NotAfter: root.notAfter,
            RootCert: root.rootCertPem,
            IntermediateCerts: null,
            Active: true,
            PrivateKeyType: 'ec',
            PrivateKeyBits: root.privateKeyBits,
            CreateIndex: createIndex,
            ModifyIndex: modifyIndex,
          },
        ],
      },
    };
  }

  private async read(): Promise<{ root: StoredRoot; createIndex: number; modifyIndex: number } | undefined> {
    const res = await this.backend.range(rangeRequest(ROOT_KEY, { keyspace: SYSTEM }));
    const kv = res.kvs[0];
    if (!kv) return undefined;
    return { root: JSON.parse(kv.value.toString('utf8')) as StoredRoot, createIndex: kv.createRevision, modifyIndex: kv.modRevision };
  }
}

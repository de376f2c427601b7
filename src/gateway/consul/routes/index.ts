// Every Consul endpoint group, registered in this order. A route plugin is a function that adds
// its routes to the fastify instance with the shared context; one file per group.
import type { FastifyInstance } from 'fastify';
import type { ConsulContext } from '../context.js';
import { agentRoutes } from './agent.js';
import { catalogRoutes } from './catalog.js';
import { coordinateRoutes } from './coordinate.js';
import { eventRoutes } from './event.js';
import { healthRoutes } from './health.js';
import { kvRoutes } from './kv.js';
import { operatorRoutes } from './operator.js';
import { queryRoutes } from './query.js';
import { sessionRoutes } from './session.js';
import { txnRoutes } from './txn.js';
import { snapshotRoutes } from './snapshot.js';
import { statusRoutes } from './status.js';

import { connectCaRoutes } from './connect-ca.js';
import { internalUiRoutes } from './internal-ui.js';
import { unsupportedRoutes } from './unsupported.js';
import { uiRoutes } from '../ui/ui-routes.js';

export type ConsulRoute = (app: FastifyInstance, ctx: ConsulContext) => void;

export const ROUTES: ConsulRoute[] = [kvRoutes, sessionRoutes, txnRoutes, queryRoutes, snapshotRoutes, catalogRoutes, healthRoutes, coordinateRoutes, eventRoutes, agentRoutes, statusRoutes, operatorRoutes, connectCaRoutes, internalUiRoutes, uiRoutes, unsupportedRoutes];
// unsupportedRoutes stays last: its wildcard answers give way to any endpoint a route file above builds

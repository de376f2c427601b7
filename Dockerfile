# dcsgw: a drop-in for the etcd 3.4 binary (same flags, same ETCD_* variables) and a Consul agent
# (`dcsgw agent ...`), native Raft store. `dcsgw` is on the PATH (the Kubernetes manifests' preStop
# runs `dcsgw leave`).
#   docker build -t dcsgw .
#   docker run --rm -p 2379:2379 dcsgw --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://localhost:2379
#   docker run --rm -p 8500:8500 -p 8600:8600/udp dcsgw agent -dev -client 0.0.0.0
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses a lock file made on another platform (optional native packages); fall back to npm install
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY proto ./proto
COPY test/support ./test/support
COPY scripts ./scripts
# tsc, then the web UI's bundle (scripts/ui-build.mjs into dist/ui)
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY bin ./bin
RUN ln -s /app/bin/dcsgw /usr/local/bin/dcsgw
# etcd's ports: clients, peers; Consul's: server RPC, serf LAN, HTTP, DNS
EXPOSE 2379 2380 8300 8301 8500 8600 8600/udp
# data dirs default to ./<name>.etcd as in etcd; the compose file points ETCD_DATA_DIR at a volume
WORKDIR /data
ENTRYPOINT ["node", "/app/bin/dcsgw"]

# dcsgw: a drop-in for the etcd 3.4 binary (same flags, same ETCD_* variables), native Raft store.
#   docker build -t dcsgw .
#   docker run --rm -p 2379:2379 dcsgw --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://localhost:2379
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
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY bin ./bin
# etcd's ports: clients, peers
EXPOSE 2379 2380
# data dirs default to ./<name>.etcd as in etcd; the compose file points ETCD_DATA_DIR at a volume
WORKDIR /data
ENTRYPOINT ["node", "/app/bin/dcsgw"]

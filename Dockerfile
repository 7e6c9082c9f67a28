# The ipn-gauntlet command in a small image: `docker run --rm --network host IMAGE run --target … --probe …`.
# Build stage: the toolchain better-sqlite3 falls back to when no prebuilt binary fits, the dev dependencies, tsc.
FROM node:20-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY packaging ./packaging
COPY contracts ./contracts
COPY simulator ./simulator
COPY receiver ./receiver
COPY scenarios ./scenarios
RUN npm run build
# Only what the command runs on. The database drivers are optional peer dependencies (dev dependencies here), so the
# prune removes them; they are put back for `demo`, `receiver` and SQL probes, at the versions package.json names.
RUN npm prune --omit=dev --ignore-scripts \
 && npm install --no-save --omit=dev --ignore-scripts --no-audit --no-fund \
      $(node -p "['better-sqlite3', 'pg', 'mysql2'].map((n) => n + '@' + require('./package.json').peerDependencies[n]).join(' ')") \
 && npm rebuild better-sqlite3

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
RUN ln -s /app/bin/ipn-gauntlet.js /usr/local/bin/ipn-gauntlet
# Mount the project here (-v "$PWD":/work) so its ipn-gauntlet.config.* and report paths resolve.
WORKDIR /work
USER node
ENTRYPOINT ["ipn-gauntlet"]
CMD ["--help"]

# A Samsa broker image built from this repository (docs/operations.md). Untested: Docker cannot
# run where Samsa is developed.
#   docker build -t samsa .
#   docker run -p 9092:9092 -v samsa-data:/var/lib/samsa samsa
FROM node:20-bookworm-slim AS build
# zstd-napi compiles when its prebuilt binary cannot be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-fund --no-audit

FROM node:20-bookworm-slim
WORKDIR /opt/samsa
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist/src ./dist/src
COPY LICENSE README.md ./
RUN mkdir -p /var/lib/samsa && chown node:node /var/lib/samsa \
  && ln -s /opt/samsa/dist/src/cli/main.js /usr/local/bin/samsa && chmod +x dist/src/cli/main.js
USER node
VOLUME /var/lib/samsa
EXPOSE 9092
# Listen on every interface inside the container; clients get advertised.listeners in Metadata,
# so set it to the address they reach (docker run ... samsa start --data-dir /var/lib/samsa
# --set listeners=PLAINTEXT://:9092 --set advertised.listeners=PLAINTEXT://broker.example:9092).
ENTRYPOINT ["samsa"]
CMD ["start", "--data-dir", "/var/lib/samsa", "--set", "listeners=PLAINTEXT://:9092", "--set", "advertised.listeners=PLAINTEXT://localhost:9092"]

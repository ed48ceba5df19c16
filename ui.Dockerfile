# The ui backend-for-frontend: multi-stage, release build, slim runtime, non-root user.
# The build needs schema/ (records compiled in by vuelos-contrato) and the page under
# crates/ui/static (bundled with include_str!): the whole repository is the context, as for
# aeroalpes.Dockerfile. Built alone, the ui links no database driver (seedwork-mensajeria
# without its outbox relay): no libpq.
FROM rust:1-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        protobuf-compiler libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p ui

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app ui
WORKDIR /app
COPY --from=build /src/target/release/ui /usr/local/bin/ui
USER ui
# AEROALPES_ADDRESS names aeroalpes, PULSAR_ADDRESS (or PULSAR_URL) the broker.
ENV UI_PORT=5678 RUST_LOG=info
EXPOSE 5678
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://localhost:5678/health || exit 1
# SIGTERM (docker stop) closes the websockets and the consumers, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ui"]

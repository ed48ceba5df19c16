# The notification service: multi-stage, release build, slim runtime, non-root user.
# The build needs schema/ (records compiled in) and crates/seedwork/persistencia/migrations/
# (the inbox table): the whole repository is the context, as for aeroalpes.Dockerfile.
FROM rust:1-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        protobuf-compiler libpq-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p notificaciones

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app notificaciones \
    && mkdir -p /app/data && chown notificaciones /app/data
WORKDIR /app
COPY --from=build /src/target/release/notificaciones /usr/local/bin/notificaciones
USER notificaciones
# PULSAR_ADDRESS (or PULSAR_URL) names the broker; the inbox lives in the data volume.
ENV NOTIFICACIONES_DATABASE_URL=/app/data/notificaciones.db NOTIFICACIONES_METRICS_PORT=9102 RUST_LOG=info
VOLUME ["/app/data"]
# Prometheus metrics (GET /metrics), the only port it serves.
EXPOSE 9102
# Healthy once the metrics port answers 200; bash's /dev/tcp, as the image has no HTTP client.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${NOTIFICACIONES_METRICS_PORT:-9102} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker stop) finishes the message in hand, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/notificaciones"]

# The gRPC adaptador (sidecar): multi-stage, release build, slim runtime, non-root user.
# protoc and the well-known types (libprotobuf-dev) generate its code from proto/.
FROM rust:1-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        protobuf-compiler libprotobuf-dev libpq-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p adaptador --bin adaptador --bin adaptador-cliente

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app adaptador
WORKDIR /app
COPY --from=build /src/target/release/adaptador /usr/local/bin/adaptador
COPY --from=build /src/target/release/adaptador-cliente /usr/local/bin/adaptador-cliente
COPY crates/adaptador/tests/fixtures/crear_reserva.json /app/crear_reserva.json
USER adaptador
ENV ADAPTADOR_PORT=50051 AEROALPES_ADDRESS=aeroalpes:5000 RUST_LOG=info
EXPOSE 50051
# Healthy once the gRPC port accepts connections (bash's /dev/tcp: the image has no gRPC
# client; grpc.health.v1 is for orchestrators that speak it, as in deploy/k8s).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ADAPTADOR_PORT:-50051}"]
ENTRYPOINT ["/usr/local/bin/adaptador"]

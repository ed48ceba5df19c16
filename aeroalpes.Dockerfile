# The aeroalpes monolith: multi-stage, release build, slim runtime, non-root user.
# The build stage runs the same cargo command as CI's release build.
FROM rust:1-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        protobuf-compiler libpq-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p aeroalpes

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app aeroalpes
WORKDIR /app
COPY --from=build /src/target/release/aeroalpes /usr/local/bin/aeroalpes
USER aeroalpes
ENV AEROALPES_PORT=5000 DATABASE_URL=/app/data/aeroalpes.db RUST_LOG=info
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://localhost:5000/health || exit 1
ENTRYPOINT ["/usr/local/bin/aeroalpes"]

-- Integration messages waiting to be published, written in the transaction that raised them.
CREATE TABLE outbox (
    secuencia BIGSERIAL PRIMARY KEY,
    id_mensaje TEXT NOT NULL UNIQUE,
    topico TEXT NOT NULL,
    tipo TEXT NOT NULL,
    clave TEXT,
    carga BYTEA NOT NULL,
    propiedades TEXT NOT NULL,
    fecha_creacion TIMESTAMP NOT NULL,
    publicado BOOLEAN NOT NULL DEFAULT FALSE,
    fecha_publicacion TIMESTAMP
);
CREATE INDEX outbox_pendientes ON outbox (secuencia) WHERE NOT publicado;

-- Messages already handled, so that a redelivered one changes nothing twice.
CREATE TABLE inbox (
    id_mensaje TEXT PRIMARY KEY NOT NULL,
    tipo TEXT NOT NULL,
    fecha_procesado TIMESTAMP NOT NULL
);

-- The answers of requests sent with an Idempotency-Key, by the credentials that sent them
-- (ambito) and the key: a retry with the same key and request gets the same answer, and
-- runs nothing again. `estado` is NULL while the first request is being answered.
CREATE TABLE idempotencia (
    ambito TEXT NOT NULL,
    clave TEXT NOT NULL,
    huella TEXT NOT NULL,
    estado INTEGER,
    cuerpo BYTEA,
    ubicacion TEXT,
    fecha_creacion TIMESTAMP NOT NULL,
    PRIMARY KEY (ambito, clave)
);
CREATE INDEX idempotencia_fecha ON idempotencia (fecha_creacion);

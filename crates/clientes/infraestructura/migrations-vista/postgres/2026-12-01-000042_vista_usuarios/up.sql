-- The read model of users of a query service, kept current by clientes' integration events:
-- what GET /clientes/usuarios/{id} and the lists answer, and what every request with a
-- token checks (the user exists and is active). The user's reservations come from the
-- reservations of the same read model.
CREATE TABLE vista_usuarios (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT,
    activo BOOLEAN NOT NULL,
    -- The user in the API's JSON (without its reservations); NULL while only its
    -- deactivation has been seen (the events travel on separate topics).
    datos TEXT,
    fecha_creacion TIMESTAMP NOT NULL,
    fecha_actualizacion TIMESTAMP NOT NULL
);
CREATE INDEX vista_usuarios_por_fecha ON vista_usuarios (fecha_creacion);

-- Users of the clientes module. The client's document (a cédula for a natural person, a RUT
-- for a company) and its city and country are flattened into columns: they are small,
-- fixed-shape value objects. `fecha_documento` is the birth date of a natural client or
-- the constitution date of a company, as `tipo` says. The e-mail, stored lower-cased,
-- is unique: the store closes the race between two registrations of the same address.
CREATE TABLE usuarios (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    nombres TEXT NOT NULL,
    apellidos TEXT NOT NULL,
    hash_password TEXT NOT NULL,
    tipo TEXT NOT NULL CHECK (tipo IN ('natural', 'empresa')),
    documento_numero BIGINT NOT NULL,
    ciudad_codigo TEXT NOT NULL,
    ciudad_nombre TEXT NOT NULL,
    pais_codigo TEXT NOT NULL,
    pais_nombre TEXT NOT NULL,
    fecha_documento DATE NOT NULL,
    estado TEXT NOT NULL CHECK (estado IN ('activo', 'desactivado')),
    fecha_creacion TIMESTAMP NOT NULL,
    fecha_actualizacion TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX usuarios_por_estado ON usuarios (estado, fecha_creacion, id);
CREATE INDEX usuarios_por_fecha ON usuarios (fecha_creacion, id);

-- The reservations a user holds (ids of the vuelos module's reservations), one row each:
-- the list only grows, so adding one is an insert rather than a rewrite of the user, and
-- the key keeps a reservation from being held twice by the same user. `orden` keeps the
-- order they were added in.
CREATE TABLE usuario_reservas (
    id_usuario TEXT NOT NULL REFERENCES usuarios (id),
    id_reserva TEXT NOT NULL,
    orden BIGINT NOT NULL,
    PRIMARY KEY (id_usuario, id_reserva)
);

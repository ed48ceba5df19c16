-- Reservations of the vuelos module. The itinerary is a value object stored whole, as JSON
-- in the API's shape: it is always read and written with its reservation.
CREATE TABLE reservas (
    id TEXT PRIMARY KEY NOT NULL,
    id_cliente TEXT,
    estado TEXT NOT NULL,
    itinerarios TEXT NOT NULL,
    fecha_creacion TIMESTAMP NOT NULL,
    fecha_actualizacion TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX reservas_por_estado ON reservas (estado, fecha_creacion);
CREATE INDEX reservas_por_fecha ON reservas (fecha_creacion);

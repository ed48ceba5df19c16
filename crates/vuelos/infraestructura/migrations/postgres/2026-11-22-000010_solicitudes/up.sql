-- Reservations asked for asynchronously: accepted (EnProceso) until the command consumer
-- creates them, or refused (Rechazada) with the reason, so the query can tell a client
-- "still working", "refused" and "never heard of it" apart.
CREATE TABLE solicitudes (
    id_reserva TEXT PRIMARY KEY NOT NULL,
    estado TEXT NOT NULL,
    razon TEXT,
    fecha_creacion TIMESTAMP NOT NULL,
    fecha_actualizacion TIMESTAMP NOT NULL
);

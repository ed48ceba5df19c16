-- The read model of a query service: its own copy of the reservations, kept current by the
-- integration events of the command service and shaped for the queries (one row answers
-- one reservation; indexes for the lists by state and by date, and by client).
CREATE TABLE vista_reservas (
    id TEXT PRIMARY KEY NOT NULL,
    id_cliente TEXT,
    estado TEXT NOT NULL,
    -- The lifecycle only moves forward (Pendiente 0 -> Aprobada 1 -> Pagada or
    -- Cancelada 2), so an event applies only when it moves the row forward: events that
    -- arrive out of order on their separate topics converge to the same row.
    rango INTEGER NOT NULL,
    -- The itineraries in the API's JSON; NULL while only a later event has been seen.
    itinerarios TEXT,
    fecha_creacion TIMESTAMP NOT NULL,
    fecha_actualizacion TIMESTAMP NOT NULL
);
CREATE INDEX vista_reservas_por_estado ON vista_reservas (estado, fecha_creacion);
CREATE INDEX vista_reservas_por_fecha ON vista_reservas (fecha_creacion);
CREATE INDEX vista_reservas_por_cliente ON vista_reservas (id_cliente);
-- Every command accepted asynchronously, by the id of its message: EnProceso once the
-- command is seen on its topic, then Aplicada (an event it caused) or Rechazada (the
-- command service's refusal), whichever arrives first.
CREATE TABLE vista_solicitudes (
    id_mensaje TEXT PRIMARY KEY NOT NULL,
    id_reserva TEXT NOT NULL,
    -- aprobar, cancelar, pagar; NULL for a creation.
    accion TEXT,
    estado TEXT NOT NULL,
    razon TEXT,
    -- When the command was issued; NULL while only its outcome has been seen.
    fecha_aceptacion TIMESTAMP,
    fecha TIMESTAMP NOT NULL
);
CREATE INDEX vista_solicitudes_por_reserva ON vista_solicitudes (id_reserva, fecha_aceptacion);
-- One row (fila = 1): the generation of this read model, which names its subscriptions.
-- A new (or dropped and recreated) database is a new generation that replays every
-- retained event from the earliest; replicas that share the database share its generation
-- (and split its subscriptions), however many start at once.
CREATE TABLE vista_generacion (
    fila INTEGER PRIMARY KEY NOT NULL CHECK (fila = 1),
    id TEXT NOT NULL
);

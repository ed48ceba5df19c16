-- The latest lifecycle command asked for asynchronously on each reservation (aprobar,
-- cancelar, pagar): EnProceso once accepted, then Aplicada or Rechazada (with the reason),
-- so that the query can tell a client what became of a 202.
CREATE TABLE ultimas_solicitudes (
    id_reserva TEXT PRIMARY KEY NOT NULL,
    accion TEXT NOT NULL,
    estado TEXT NOT NULL,
    razon TEXT,
    fecha_actualizacion TIMESTAMP NOT NULL
);

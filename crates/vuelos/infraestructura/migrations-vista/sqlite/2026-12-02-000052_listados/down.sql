DROP INDEX vista_reservas_por_estado;
DROP INDEX vista_reservas_por_fecha;
CREATE INDEX vista_reservas_por_estado ON vista_reservas (estado, fecha_creacion);
CREATE INDEX vista_reservas_por_fecha ON vista_reservas (fecha_creacion);

DROP INDEX reservas_por_estado;
DROP INDEX reservas_por_fecha;
CREATE INDEX reservas_por_estado ON reservas (estado, fecha_creacion);
CREATE INDEX reservas_por_fecha ON reservas (fecha_creacion);

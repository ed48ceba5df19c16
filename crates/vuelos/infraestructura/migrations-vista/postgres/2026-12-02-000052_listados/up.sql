-- The read model's listings read their index in order (see the write model's migration
-- of the same name): the indexes carry the whole order, newest first with ties by id.
DROP INDEX vista_reservas_por_estado;
DROP INDEX vista_reservas_por_fecha;
CREATE INDEX vista_reservas_por_estado ON vista_reservas (estado, fecha_creacion, id);
CREATE INDEX vista_reservas_por_fecha ON vista_reservas (fecha_creacion, id);

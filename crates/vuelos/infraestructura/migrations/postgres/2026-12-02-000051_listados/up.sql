-- A page of a listing reads the index in order instead of sorting every matching row: the
-- indexes carry the listings' whole order (newest first, ties by id), and a listing of
-- every state filters on none (an IN of all states made the planner sort the table).
DROP INDEX reservas_por_estado;
DROP INDEX reservas_por_fecha;
CREATE INDEX reservas_por_estado ON reservas (estado, fecha_creacion, id);
CREATE INDEX reservas_por_fecha ON reservas (fecha_creacion, id);

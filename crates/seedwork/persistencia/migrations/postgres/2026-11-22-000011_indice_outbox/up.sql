-- The relay asks for `publicado = $1` with a bound value, which a partial index on
-- `NOT publicado` cannot serve (the planner cannot prove the bound value is false): it
-- scanned the whole outbox on every poll. A plain index on (publicado, secuencia) serves
-- the bound query in order, on both engines.
DROP INDEX outbox_pendientes;
CREATE INDEX outbox_pendientes ON outbox (publicado, secuencia);

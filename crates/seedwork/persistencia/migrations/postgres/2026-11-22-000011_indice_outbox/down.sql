DROP INDEX outbox_pendientes;
CREATE INDEX outbox_pendientes ON outbox (secuencia) WHERE NOT publicado;

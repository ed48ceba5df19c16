DROP INDEX usuario_reservas_orden;

DROP TABLE vista_generacion;
DROP TABLE vista_solicitudes;
DROP TABLE vista_reservas;

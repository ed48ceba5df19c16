DROP TABLE solicitudes;

DROP TABLE ultimas_solicitudes;

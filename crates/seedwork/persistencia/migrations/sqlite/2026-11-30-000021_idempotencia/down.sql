DROP TABLE idempotencia;

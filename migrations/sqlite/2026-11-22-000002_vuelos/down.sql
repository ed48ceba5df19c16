DROP TABLE reservas;

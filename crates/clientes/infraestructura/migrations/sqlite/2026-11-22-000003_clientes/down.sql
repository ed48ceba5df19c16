DROP TABLE usuario_reservas;
DROP TABLE usuarios;

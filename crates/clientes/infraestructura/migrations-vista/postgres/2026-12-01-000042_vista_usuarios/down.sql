DROP TABLE vista_usuarios;

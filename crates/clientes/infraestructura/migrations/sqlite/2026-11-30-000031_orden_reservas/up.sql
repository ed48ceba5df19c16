-- A new reservation goes after the user's last one: its position is read from this index
-- (one lookup), not from the user's whole list.
CREATE INDEX usuario_reservas_orden ON usuario_reservas (id_usuario, orden);

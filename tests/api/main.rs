//! The HTTP API through a real server on port 0, one fresh database per test.

mod ayudantes;
mod ciclo_de_vida;
mod errores;
mod reservas;
mod salud;

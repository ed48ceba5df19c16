//! The HTTP API through a real server on port 0, one fresh database per test.

mod acceso;
mod asincronas;
mod autenticacion;
mod autorizacion;
mod ayudantes;
mod ciclo_de_vida;
mod clientes;
mod cqrs;
mod errores;
mod especificacion;
mod fuzzing;
mod idempotencia;
mod reservas;
mod salud;

//! The application layer of the vuelos module: the commands that create a reservation and
//! move it through its lifecycle, the queries that read reservations back, their handlers,
//! and the DTOs (with their mappers) in the JSON shape of the tutorial.
//!
//! Handlers are generic over the unit of work and the repository factory ports, so this
//! crate names no database, broker or web framework.
#![forbid(unsafe_code)]

pub mod comandos;
pub mod dto;
pub mod errores;
pub mod mapeadores;
pub mod puertos;
pub mod queries;

#[cfg(test)]
mod pruebas;

pub use errores::ErrorVuelos;
pub use puertos::FabricaRepositorios;

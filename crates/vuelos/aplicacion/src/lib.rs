//! The application layer of the vuelos module: the commands that create a reservation and
//! move it through its lifecycle, the queries that read reservations back, their handlers,
//! and the DTOs (with their mappers) in the JSON shape of the tutorial.
//!
//! Its edges (HTTP, gRPC, websocket) call one port, [`Vuelos`] (its queries alone are
//! [`ConsultasVuelos`], which a query service answers from its read model); commands form one closed
//! set, [`ComandoReserva`]; how an accepted command travels is the [`TransporteComandos`]
//! port. Handlers are generic over the unit of work and the repository factory ports, so
//! this crate names no database, broker or web framework.
#![forbid(unsafe_code)]

pub mod comandos;
pub mod dto;
pub mod errores;
pub mod mapeadores;
pub mod puertos;
pub mod queries;
pub mod servicio;
pub mod solicitudes;
pub mod vista;

#[cfg(test)]
mod pruebas;

pub use comandos::{ComandoReserva, ManejadorReservas};
pub use errores::ErrorVuelos;
pub use puertos::{Conversacion, FabricaRepositorios, RepositorioSolicitudes, TransporteComandos};
pub use servicio::{
    AplicacionVuelos, ConsultaReserva, ConsultasVuelos, TransporteEnProceso, Vuelos,
};
pub use solicitudes::{DesenlaceSolicitud, EstadoSolicitud, UltimaSolicitud};
pub use vista::{ConsultasVista, FabricaVista, VistaReservas};

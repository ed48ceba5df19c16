//! The backend-for-frontend of the AeroAlpes page (`ui`): it serves the page, takes the
//! browser's commands over a websocket, posts them to aeroalpes' asynchronous routes and
//! pushes each reservation's integration events to the sessions that asked about it.
//!
//! Layout, from the inside out:
//!
//! - [`protocolo`]: the JSON messages of the websocket, both ways.
//! - [`enrutador`]: which session waits for which reservation; delivers an event to those
//!   sessions only, through bounded per-session queues, never blocking the consumer.
//! - [`aeroalpes`]: the HTTP client of aeroalpes' asynchronous routes (bounded timeouts).
//! - [`consumidor`]: the handler of the event topics of `vuelos-contrato`, feeding the
//!   router.
//! - [`sesion`]: one websocket session: reads commands, writes replies and events.
//! - [`rutas`]: the page, its assets (bundled in the binary), `/ws` and `/api/reservas`.
//! - [`configuracion`] (read once from the environment) and [`startup`], the composition
//!   root: connects to the broker, subscribes, binds the port and stops cleanly.
#![forbid(unsafe_code)]

pub mod aeroalpes;
pub mod configuracion;
pub mod consumidor;
pub mod enrutador;
pub mod protocolo;
pub mod rutas;
pub mod sesion;
pub mod startup;

pub use configuracion::Configuracion;
pub use enrutador::{Enrutador, IdSesion};
pub use protocolo::{Accion, Orden, Peticion, Salida};

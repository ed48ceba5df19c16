//! The AeroAlpes monolith: the composition root that wires the adapters (diesel, Pulsar,
//! actix-web) to the application layers, behind the HTTP API of `aeroalpes-api`.
//!
//! Layout: `configuracion` reads the environment once; `startup` builds the application
//! (the only place that names actix, diesel and the modules' adapters together) and exposes
//! the bound port so tests can start it on port 0; `mensajeria` runs the broker side (relay
//! and consumers). The routes live in the `aeroalpes-api` crate, which depends on no
//! infraestructura crate.
#![forbid(unsafe_code)]

pub mod configuracion;
pub mod idempotencia;
pub mod mensajeria;
pub mod startup;

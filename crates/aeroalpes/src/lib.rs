//! The AeroAlpes monolith: the HTTP API of every module and the composition root that wires
//! adapters (diesel, actix-web) to the application layers.
//!
//! Layout: `configuracion` reads the environment once; `startup` builds the application
//! (the only place that names actix and diesel types together) and exposes the bound port
//! so tests can start it on port 0; `api` holds the routes, one file per module, and the
//! single mapping of application errors to HTTP.
#![forbid(unsafe_code)]

pub mod api;
pub mod configuracion;
pub mod mensajeria;
pub mod startup;

//! The tutorial's gRPC adaptador (sidecar) of AeroAlpes: serves `proto/vuelos.proto`
//! (`vuelos.Vuelos`) and answers each call by forwarding it to the AeroAlpes HTTP API.
//!
//! Layout: [`configuracion`] reads the environment once; [`aeroalpes`] is the HTTP client
//! of the monolith and its errors; [`traduccion`] turns protobuf messages into the JSON
//! DTOs of `vuelos-aplicacion` and back; [`servicio`] implements the gRPC service and maps
//! every error to a gRPC status; [`startup`] binds the port and serves it, with the
//! health and reflection services, until a shutdown future resolves.
#![forbid(unsafe_code)]

pub mod aeroalpes;
pub mod configuracion;
pub mod servicio;
pub mod startup;
pub mod traduccion;

/// The code generated from `proto/vuelos.proto` by `build.rs`.
pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("vuelos");

    /// The encoded descriptor set of `vuelos.proto`, for server reflection.
    pub const DESCRIPTOR: &[u8] = tonic::include_file_descriptor_set!("vuelos_descriptor");
}

//! The HTTP API of AeroAlpes: routes of every module, the JSON body reader, and the single
//! mapping of errors to HTTP responses. It calls the application layers through the ports
//! of [`Contexto`] and depends on no infraestructura crate; the composition root
//! (`aeroalpes::startup`) fills the context.
#![forbid(unsafe_code)]

pub mod acceso;
pub mod autenticacion;
pub mod autorizacion;
pub mod clientes;
pub mod contexto;
pub mod cuerpo;
pub mod documentacion;
pub mod errores;
pub mod idempotencia;
pub mod limites;
pub mod metricas;
pub mod salud;
pub mod vuelos;

use actix_web::{web, HttpResponse};

pub use contexto::{
    BacklogOutbox, Contexto, EstadoIdempotencia, Idempotencia, InformeSalud, Metricas,
    RespuestaGuardada, Salud, VerificadorTokens,
};

use crate::errores::ErrorApi;

/// Which part of the service a process is (`AEROALPES_ROL`), and so which routes it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rol {
    /// Every route, on one write model: the monolith.
    #[default]
    Todo,
    /// The command routes (`POST`) of every module, on the write model.
    Comandos,
    /// The query routes (`GET`) of every module, from the service's own read model.
    Queries,
}

impl Rol {
    /// Whether it serves the command routes (and so holds the write model).
    pub fn sirve_comandos(self) -> bool {
        self != Self::Queries
    }

    /// Whether it serves the query routes.
    pub fn sirve_consultas(self) -> bool {
        self != Self::Comandos
    }

    /// The role an `AEROALPES_ROL` value names (`todo`, `comandos`, `queries`), in any case.
    pub fn parse(texto: &str) -> Option<Self> {
        match texto.trim().to_ascii_lowercase().as_str() {
            "todo" => Some(Self::Todo),
            "comandos" => Some(Self::Comandos),
            "queries" => Some(Self::Queries),
            _ => None,
        }
    }
}

/// Registers every route of the API (the monolith's).
pub fn rutas(cfg: &mut web::ServiceConfig) {
    rutas_de(Rol::Todo)(cfg)
}

/// Registers the routes a process of role `rol` serves; the others answer 404.
pub fn rutas_de(rol: Rol) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
            ErrorApi::solicitud(format!("parámetros inválidos: {error}")).into()
        }))
        .configure(salud::rutas)
        .configure(metricas::rutas)
        .configure(documentacion::rutas);
        if rol.sirve_comandos() {
            cfg.configure(vuelos::rutas_comandos);
        }
        if rol.sirve_consultas() {
            cfg.configure(vuelos::rutas_consultas);
        }
        cfg.configure(clientes::rutas(rol));
        cfg.default_service(web::to(ruta_desconocida));
    }
}

async fn ruta_desconocida() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({ "error": "ruta no encontrada" }))
}

//! What the routes share: the application ports of every module, chosen by the
//! composition root. The routes name no adapter: each port here is a trait. And who the
//! client of a request is ([`ProxiesConfiables::direccion_cliente`]).

mod direccion_cliente;

use std::sync::Arc;

use clientes_aplicacion::{Clientes, ConsultasClientes, EmisorTokens, ErrorToken};
use clientes_dominio::IdUsuario;
use seedwork_dominio::Causa;
use vuelos_aplicacion::{ConsultasVuelos, Vuelos};

pub use direccion_cliente::{ProxiesConfiables, RedIp};

/// Checks bearer tokens (any [`EmisorTokens`] is one).
pub trait VerificadorTokens: Send + Sync + 'static {
    /// The user a valid, unexpired token was issued to.
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken>;
}

impl<T: EmisorTokens> VerificadorTokens for T {
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken> {
        EmisorTokens::verificar(self, token)
    }
}

/// Whether what the service needs answers (`/health`, `/health/ready`). It may block: the
/// routes run it on a blocking thread.
pub trait Salud: Send + Sync + 'static {
    /// The state of each dependency; the routes decide readiness from it.
    fn verificar(&self) -> InformeSalud;
}

/// What [`Salud`] found.
#[derive(Debug)]
pub struct InformeSalud {
    /// `Err` with the cause when the database does not answer.
    pub base_datos: Result<(), Causa>,
    /// Whether the messaging side is connected to the broker and the relay publishes.
    pub broker: bool,
    /// The outbox backlog; `Err` with the cause when it could not be read.
    pub outbox: Result<BacklogOutbox, Causa>,
}

/// The rows of the outbox the relay has not published yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacklogOutbox {
    pub pendientes: u64,
    /// Age of the oldest pending row; 0 when none waits.
    pub mas_antiguo_segundos: u64,
    /// The backlog at which the service stops being ready
    /// (`AEROALPES_OUTBOX_MAX_PENDIENTES`).
    pub maximo: u64,
}

impl BacklogOutbox {
    /// Under its threshold.
    pub fn aceptable(&self) -> bool {
        self.pendientes < self.maximo
    }
}

impl InformeSalud {
    /// Every check passes.
    pub fn listo(&self) -> bool {
        self.base_datos.is_ok() && self.broker && self.outbox.as_ref().is_ok_and(|b| b.aceptable())
    }
}

/// The service's metrics in Prometheus' text format (`/metrics`). It may block (it may read
/// a gauge from the database): the route runs it on a blocking thread.
pub trait Metricas: Send + Sync + 'static {
    fn exponer(&self) -> String;
}

/// Where a key stands when a request with it arrives (see [`crate::idempotencia`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstadoIdempotencia {
    /// First seen (or its first request was abandoned): the request runs.
    Nueva,
    /// A request with this key is running.
    EnCurso,
    /// Answered before: this answer.
    Respondida(RespuestaGuardada),
    /// Used before with another request.
    OtraHuella,
}

/// An answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespuestaGuardada {
    pub estado: u16,
    pub cuerpo: Vec<u8>,
    pub ubicacion: Option<String>,
}

/// The record of requests sent with an `Idempotency-Key`, per credentials (`ambito`) and
/// key. Its methods may block: implementations run them off the executor.
#[async_trait::async_trait]
pub trait Idempotencia: Send + Sync + 'static {
    async fn tomar(
        &self,
        ambito: &str,
        clave: &str,
        huella: &str,
    ) -> Result<EstadoIdempotencia, Causa>;
    async fn responder(
        &self,
        ambito: &str,
        clave: &str,
        respuesta: RespuestaGuardada,
    ) -> Result<(), Causa>;
    async fn liberar(&self, ambito: &str, clave: &str) -> Result<(), Causa>;
    /// The id a reservation created with this key gets: derived from the credentials and
    /// the key with a server secret (unguessable, as every reservation id must be), so
    /// that a retry of a creation that committed but was never answered (the process
    /// died) creates nothing new.
    fn id_derivado(&self, ambito: &str, clave: &str) -> uuid::Uuid;
}

/// The application as the routes see it.
pub struct Contexto {
    /// The vuelos module's commands (and the queries a command needs answered from its
    /// write model). `None` on a query service: it takes no commands.
    pub vuelos: Option<Arc<dyn Vuelos>>,
    /// The vuelos module's queries: from the write model in the monolith, from the
    /// service's own read model on a query service.
    pub consultas: Arc<dyn ConsultasVuelos>,
    /// The clientes module's commands (and its queries on the write model). `None` on a
    /// query service.
    pub clientes: Option<Arc<dyn Clientes>>,
    /// The clientes module's queries, and the access of the user of every token: from the
    /// write model in the monolith, from the service's own read model on a query service.
    pub consultas_clientes: Arc<dyn ConsultasClientes>,
    pub tokens: Arc<dyn VerificadorTokens>,
    pub salud: Arc<dyn Salud>,
    pub metricas: Arc<dyn Metricas>,
    /// The service token (`AEROALPES_TOKEN_SERVICIO`): internal services (the ui) send it
    /// as a bearer token and act with staff rights. `None`: no service token is accepted.
    pub token_servicio: Option<String>,
    /// Failed log-ins per e-mail and address, and password hashes at once.
    pub limites: crate::limites::Limites,
    /// Requests sent with an `Idempotency-Key`.
    pub idempotencia: Arc<dyn Idempotencia>,
    /// The proxies whose word on a client's address is believed
    /// (`AEROALPES_PROXIES_CONFIABLES`): see [`ProxiesConfiables::direccion_cliente`].
    pub proxies_confiables: ProxiesConfiables,
}

impl Contexto {
    /// The vuelos commands, or 503 where this service takes none (a route that needs them
    /// is not mounted there; this keeps a wiring mistake from being a panic).
    pub fn comandos_vuelos(&self) -> Result<&dyn Vuelos, crate::errores::ErrorApi> {
        self.vuelos.as_deref().ok_or_else(sin_comandos)
    }

    /// The clientes commands, or 503 where this service takes none.
    pub fn comandos_clientes(&self) -> Result<&dyn Clientes, crate::errores::ErrorApi> {
        self.clientes.as_deref().ok_or_else(sin_comandos)
    }
}

fn sin_comandos() -> crate::errores::ErrorApi {
    crate::errores::ErrorApi::NoDisponible(
        "este servicio solo responde consultas; los comandos van al de comandos".into(),
    )
}

//! The outbound ports of the vuelos application layer.

use async_trait::async_trait;
use seedwork_dominio::ErrorPersistencia;
use vuelos_dominio::{AccionReserva, IdReserva, RepositorioReservas};

use crate::comandos::ComandoReserva;
use crate::errores::ErrorVuelos;
use crate::solicitudes::{EstadoSolicitud, UltimaSolicitud};

/// Gives the repositories bound to an open transaction `Tx`.
///
/// The unit of work owns the transaction; this factory, implemented by an adapter, is how a
/// handler reaches a repository that reads and writes inside it.
pub trait FabricaRepositorios<Tx>: Clone + Send + Sync + 'static {
    type Reservas<'a>: RepositorioReservas
    where
        Tx: 'a;
    type Solicitudes<'a>: RepositorioSolicitudes
    where
        Tx: 'a;

    fn reservas<'a>(&self, tx: &'a mut Tx) -> Self::Reservas<'a>;
    fn solicitudes<'a>(&self, tx: &'a mut Tx) -> Self::Solicitudes<'a>;
}

/// The requests for reservations that were asked for asynchronously and do not exist yet.
///
/// Errors: `Duplicado` when `registrar` finds the id recorded, `NoDisponible` when the
/// store is busy or unreachable, `Inesperado` otherwise.
pub trait RepositorioSolicitudes {
    /// Where the request for `id` stands, if there ever was one.
    fn estado(&mut self, id: IdReserva) -> Result<Option<EstadoSolicitud>, ErrorPersistencia>;
    /// Records that the creation of `id` was accepted and is on its way (`EnProceso`).
    fn registrar(&mut self, id: IdReserva) -> Result<(), ErrorPersistencia>;
    /// Records that the creation of `id` was refused, with the reason. A request never
    /// recorded (a command from another producer) is recorded now, refused.
    fn rechazar(&mut self, id: IdReserva, razon: &str) -> Result<(), ErrorPersistencia>;

    /// The latest lifecycle command asked for asynchronously on `id`, if any.
    fn ultima(&mut self, id: IdReserva) -> Result<Option<UltimaSolicitud>, ErrorPersistencia>;
    /// Records that `accion` on `id` was accepted (`EnProceso`), replacing the latest.
    fn aceptar_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
    ) -> Result<(), ErrorPersistencia>;
    /// Records that `accion` on `id` was applied (`rechazo` `None`) or refused, when it is
    /// the latest asked for and still `EnProceso`; otherwise changes nothing (a command
    /// that arrived synchronously, or from another producer).
    fn resolver_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
        rechazo: Option<&str>,
    ) -> Result<(), ErrorPersistencia>;
}

/// A conversation a command belongs to: the id shared by every message it causes (the
/// HTTP request id, for a command that arrives over HTTP).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversacion {
    pub correlation_id: Option<String>,
}

impl Conversacion {
    pub fn correlacionada(correlation_id: impl Into<String>) -> Self {
        Self {
            correlation_id: Some(correlation_id.into()),
        }
    }
}

/// How a command accepted asynchronously travels to its handler: in this process, or
/// durably through the outbox and the broker. Chosen once, in the composition root.
#[async_trait]
pub trait TransporteComandos: Send + Sync + 'static {
    /// Accepts `comando`. Once this returns `Ok` the command will be handled, or refused
    /// and its refusal recorded: a durable transport has stored it (with, for a creation,
    /// its `EnProceso` request) before it returns.
    async fn enviar(
        &self,
        comando: ComandoReserva,
        conversacion: Conversacion,
    ) -> Result<(), ErrorVuelos>;
}

//! The query side on its own: a query service keeps a read model of reservations in its
//! own database, shaped for the questions ([`VistaReservas`]: by id, by state, unpaid,
//! paged), and fed by the integration events of the command service. [`ConsultasVista`]
//! answers [`ConsultasVuelos`] from it alone: the rows already hold the answers' shape,
//! so nothing is rebuilt into the domain to read them.

use async_trait::async_trait;
use seedwork_aplicacion::UnidadTrabajo;
use seedwork_dominio::ErrorPersistencia;
use vuelos_dominio::{FiltroReservas, IdReserva, Pagina};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::servicio::{ConsultaReserva, ConsultasVuelos};
use crate::solicitudes::EstadoSolicitud;

/// The read model, read inside a transaction.
///
/// Errors: `NoDisponible` when the store is busy or unreachable, `DatosInvalidos` when a
/// row no longer reads as an answer, `Inesperado` otherwise.
pub trait VistaReservas {
    /// The reservation, with the latest lifecycle command asked for asynchronously on it
    /// and what became of it; `None` while its creation has not been seen.
    fn reserva(&mut self, id: IdReserva) -> Result<Option<ReservaDTO>, ErrorPersistencia>;
    /// Where the asynchronous creation of `id` stands, when one was accepted.
    fn solicitud(&mut self, id: IdReserva) -> Result<Option<EstadoSolicitud>, ErrorPersistencia>;
    /// One page of the reservations that match `filtro`, newest first.
    fn listar(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorPersistencia>;
}

/// Gives the read model bound to an open transaction `Tx`.
pub trait FabricaVista<Tx>: Clone + Send + Sync + 'static {
    type Vista<'a>: VistaReservas
    where
        Tx: 'a;

    fn vista<'a>(&self, tx: &'a mut Tx) -> Self::Vista<'a>;
}

/// The queries of vuelos answered from a read model: a query service's application.
pub struct ConsultasVista<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ConsultasVista<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ConsultasVuelos for ConsultasVista<U, F>
where
    U: UnidadTrabajo,
    F: FabricaVista<U::Transaccion>,
{
    #[tracing::instrument(name = "consultar_vista", skip_all, fields(id_reserva = %id))]
    async fn consultar(&self, id: IdReserva) -> Result<ConsultaReserva, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        self.uow
            .consultar(move |tx| {
                let mut vista = fabrica.vista(tx);
                if let Some(reserva) = vista.reserva(id)? {
                    return Ok(ConsultaReserva::Existe(reserva));
                }
                match vista.solicitud(id)? {
                    Some(EstadoSolicitud::EnProceso) => Ok(ConsultaReserva::EnProceso),
                    Some(EstadoSolicitud::Rechazada { razon }) => {
                        Ok(ConsultaReserva::Rechazada { razon })
                    }
                    None => Err(ErrorVuelos::NoEncontrada(id)),
                }
            })
            .await
    }

    #[tracing::instrument(name = "listar_vista", skip_all)]
    async fn listar(
        &self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        self.uow
            .consultar(move |tx| Ok(fabrica.vista(tx).listar(filtro, pagina)?))
            .await
    }
}

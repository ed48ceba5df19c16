//! `AprobarReserva`, `CancelarReserva`, `PagarReserva`: move a reservation through its
//! lifecycle. The three differ only in the action, so they share one handler.

use async_trait::async_trait;
use chrono::Utc;
use seedwork_aplicacion::{Comando, ManejadorComando, Transaccion, UnidadTrabajo};
use seedwork_dominio::AgregacionRaiz;
use vuelos_dominio::{AccionReserva, IdReserva, RepositorioReservas};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::FabricaRepositorios;

/// A command that runs one action of the lifecycle on one reservation.
pub trait ComandoCicloDeVida: Comando<Respuesta = ReservaDTO, Error = ErrorVuelos> {
    const ACCION: AccionReserva;
    fn id_reserva(&self) -> IdReserva;
}

macro_rules! comando_ciclo_de_vida {
    ($(#[$doc:meta])* $tipo:ident, $accion:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $tipo {
            pub id: IdReserva,
        }

        impl Comando for $tipo {
            type Respuesta = ReservaDTO;
            type Error = ErrorVuelos;
        }

        impl ComandoCicloDeVida for $tipo {
            const ACCION: AccionReserva = AccionReserva::$accion;
            fn id_reserva(&self) -> IdReserva {
                self.id
            }
        }
    };
}

comando_ciclo_de_vida!(
    /// Approve a pending reservation.
    AprobarReserva,
    Aprobar
);
comando_ciclo_de_vida!(
    /// Cancel a pending or approved reservation.
    CancelarReserva,
    Cancelar
);
comando_ciclo_de_vida!(
    /// Pay an approved reservation.
    PagarReserva,
    Pagar
);

/// Loads the reservation, runs the action (the aggregate guards the lifecycle), saves it
/// and hands its event to the unit of work, in one transaction.
pub struct ManejadorCicloDeVida<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorCicloDeVida<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<C, U, F> ManejadorComando<C> for ManejadorCicloDeVida<U, F>
where
    C: ComandoCicloDeVida,
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    #[tracing::instrument(name = "ciclo_de_vida", skip_all, fields(accion = %C::ACCION, id_reserva = %comando.id_reserva()))]
    async fn manejar(&self, comando: C) -> Result<ReservaDTO, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        let id = comando.id_reserva();
        self.uow
            .ejecutar(move |tx| {
                let mut repositorio = fabrica.reservas(tx);
                let mut reserva = repositorio
                    .obtener_por_id(id)?
                    .ok_or(ErrorVuelos::NoEncontrada(id))?;
                reserva.ejecutar(C::ACCION, Utc::now())?;
                repositorio.actualizar(&reserva)?;
                drop(repositorio);
                tx.registrar_eventos(reserva.tomar_eventos());
                Ok(ReservaDTO::from(&reserva))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use vuelos_dominio::EstadoReserva;

    use super::*;
    use crate::pruebas::{FabricaEnMemoria, UnidadTrabajoEnMemoria};

    async fn despues_de<C: ComandoCicloDeVida>(
        uow: &UnidadTrabajoEnMemoria,
        comando: C,
    ) -> Result<ReservaDTO, ErrorVuelos> {
        ManejadorCicloDeVida::new(uow.clone(), FabricaEnMemoria)
            .manejar(comando)
            .await
    }

    #[tokio::test]
    async fn given_a_pending_reservation_when_approving_then_it_is_stored_approved_and_its_event_dispatched(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        let dto = despues_de(&uow, AprobarReserva { id }).await.unwrap();
        assert_eq!(dto.estado, "Aprobada");
        assert_eq!(uow.reserva(id).unwrap().estado(), EstadoReserva::Aprobada);
        assert_eq!(uow.eventos_despachados(), ["ReservaAprobada"]);
    }

    #[tokio::test]
    async fn given_an_approved_reservation_when_paying_then_it_is_stored_paid() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        despues_de(&uow, AprobarReserva { id }).await.unwrap();
        despues_de(&uow, PagarReserva { id }).await.unwrap();
        assert_eq!(uow.reserva(id).unwrap().estado(), EstadoReserva::Pagada);
        assert_eq!(
            uow.eventos_despachados(),
            ["ReservaAprobada", "ReservaPagada"]
        );
    }

    #[tokio::test]
    async fn given_a_pending_reservation_when_cancelling_then_it_is_stored_cancelled() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        despues_de(&uow, CancelarReserva { id }).await.unwrap();
        assert_eq!(uow.reserva(id).unwrap().estado(), EstadoReserva::Cancelada);
        assert_eq!(uow.eventos_despachados(), ["ReservaCancelada"]);
    }

    #[tokio::test]
    async fn given_a_pending_reservation_when_paying_then_the_transition_is_refused_and_nothing_changes(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        let error = despues_de(&uow, PagarReserva { id }).await.unwrap_err();
        assert_eq!(
            error,
            ErrorVuelos::TransicionInvalida {
                estado: EstadoReserva::Pendiente,
                accion: AccionReserva::Pagar
            }
        );
        assert_eq!(uow.reserva(id).unwrap().estado(), EstadoReserva::Pendiente);
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_an_unknown_id_when_approving_then_not_found_is_returned() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = IdReserva::nuevo();
        assert_eq!(
            despues_de(&uow, AprobarReserva { id }).await,
            Err(ErrorVuelos::NoEncontrada(id))
        );
    }
}

//! The lifecycle of a reservation: `AprobarReserva`, `CancelarReserva` and `PagarReserva`
//! differ only in the action, so one function runs all three.

use seedwork_aplicacion::{Reloj, UnidadTrabajo};
use vuelos_dominio::{AccionReserva, IdReserva, RepositorioReservas};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::{FabricaRepositorios, RepositorioSolicitudes};

/// Loads the reservation, runs the action at the instant `reloj` tells (the aggregate
/// guards the lifecycle) and saves it, in one transaction; saving hands its event to the
/// unit of work.
#[tracing::instrument(name = "ciclo_de_vida", skip_all, fields(%accion, id_reserva = %id))]
pub(crate) async fn ejecutar<U, F, R>(
    uow: &U,
    fabrica: &F,
    reloj: &R,
    id: IdReserva,
    accion: AccionReserva,
) -> Result<ReservaDTO, ErrorVuelos>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
    R: Reloj,
{
    let (fabrica, ahora) = (fabrica.clone(), reloj.ahora());
    uow.ejecutar(move |tx| {
        let dto = {
            let mut repositorio = fabrica.reservas(tx);
            let mut reserva = repositorio
                .obtener_por_id(id)?
                .ok_or(ErrorVuelos::NoEncontrada(id))?;
            reserva.ejecutar(accion, ahora)?;
            repositorio.actualizar(&mut reserva)?;
            ReservaDTO::from(&reserva)
        };
        // The asynchronous request for this action, if one waits, is applied with it.
        fabrica.solicitudes(tx).resolver_accion(id, accion, None)?;
        Ok(dto)
    })
    .await
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use seedwork_aplicacion::ManejadorComando;
    use seedwork_dominio::Entidad;
    use seedwork_pruebas::RelojFijo;
    use vuelos_dominio::EstadoReserva;

    use super::*;
    use crate::comandos::{
        AprobarReserva, CancelarReserva, ComandoReserva, ManejadorReservas, PagarReserva,
    };
    use crate::pruebas::{FabricaEnMemoria, UnidadTrabajoEnMemoria};

    async fn despues_de(
        uow: &UnidadTrabajoEnMemoria,
        comando: impl Into<ComandoReserva>,
    ) -> Result<ReservaDTO, ErrorVuelos> {
        ManejadorReservas::new(uow.clone(), FabricaEnMemoria)
            .manejar(comando.into())
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
        assert!(matches!(
            error,
            ErrorVuelos::TransicionInvalida {
                estado: EstadoReserva::Pendiente,
                accion: AccionReserva::Pagar
            }
        ));
        assert_eq!(uow.reserva(id).unwrap().estado(), EstadoReserva::Pendiente);
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_fixed_clock_when_approving_then_the_reservation_is_updated_at_its_instant() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        let instante = Utc.with_ymd_and_hms(2027, 1, 2, 3, 4, 5).unwrap();
        let manejador =
            ManejadorReservas::con_reloj(uow.clone(), FabricaEnMemoria, RelojFijo::new(instante));

        let dto = manejador
            .manejar(AprobarReserva { id }.into())
            .await
            .unwrap();

        assert_eq!(uow.reserva(id).unwrap().fecha_actualizacion(), instante);
        assert_eq!(dto.fecha_actualizacion, "2027-01-02T03:04:05Z");
    }

    #[tokio::test]
    async fn given_an_unknown_id_when_approving_then_not_found_is_returned() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = IdReserva::nuevo();
        assert!(
            matches!(despues_de(&uow, AprobarReserva { id }).await, Err(ErrorVuelos::NoEncontrada(ref otro)) if *otro == id)
        );
    }
}

//! `CrearReserva`: book the given itineraries for a client, as a pending reservation.

use chrono::{DateTime, Utc};
use seedwork_aplicacion::UnidadTrabajo;
use vuelos_dominio::{IdCliente, IdReserva, Itinerario, RepositorioReservas, Reserva};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::FabricaRepositorios;

/// Create a reservation. The caller assigns the id, so that an asynchronous caller can
/// answer it before the command is handled.
#[derive(Debug, Clone, PartialEq)]
pub struct CrearReserva {
    pub id: IdReserva,
    pub id_cliente: Option<IdCliente>,
    pub itinerarios: Vec<Itinerario>,
    pub fecha_creacion: DateTime<Utc>,
}

impl CrearReserva {
    /// Checks the aggregate's own rules (at least one itinerary) without storing anything,
    /// so that an asynchronous route refuses what the handler would refuse, before it
    /// accepts the command.
    pub fn validar(&self) -> Result<(), ErrorVuelos> {
        self.reserva().map(drop)
    }

    fn reserva(&self) -> Result<Reserva, ErrorVuelos> {
        Ok(Reserva::crear(
            self.id,
            self.id_cliente,
            self.itinerarios.clone(),
            self.fecha_creacion,
        )?)
    }
}

/// Builds the aggregate (its rules run here) and stores it, in one transaction; storing
/// hands its `ReservaCreada` event to the unit of work.
#[tracing::instrument(name = "crear_reserva", skip_all, fields(id_reserva = %comando.id))]
pub(crate) async fn crear<U, F>(
    uow: &U,
    fabrica: &F,
    comando: CrearReserva,
) -> Result<ReservaDTO, ErrorVuelos>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    // Rules are checked before a transaction is opened: bad input costs no connection.
    let mut reserva = comando.reserva()?;
    let fabrica = fabrica.clone();
    uow.ejecutar(move |tx| {
        fabrica.reservas(tx).agregar(&mut reserva)?;
        Ok(ReservaDTO::from(&reserva))
    })
    .await
}

#[cfg(test)]
mod tests {
    use seedwork_aplicacion::ManejadorComando;
    use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};

    use super::*;
    use crate::comandos::{ComandoReserva, ManejadorReservas};
    use crate::pruebas::{itinerario, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    struct Manejador(ManejadorReservas<UnidadTrabajoEnMemoria, FabricaEnMemoria>);

    impl Manejador {
        async fn manejar(&self, comando: CrearReserva) -> Result<ReservaDTO, ErrorVuelos> {
            self.0.manejar(ComandoReserva::Crear(comando)).await
        }
    }

    fn manejador(uow: &UnidadTrabajoEnMemoria) -> Manejador {
        Manejador(ManejadorReservas::new(uow.clone(), FabricaEnMemoria))
    }

    fn comando(itinerarios: Vec<Itinerario>) -> CrearReserva {
        CrearReserva {
            id: IdReserva::nuevo(),
            id_cliente: Some(IdCliente::nuevo()),
            itinerarios,
            fecha_creacion: Utc::now(),
        }
    }

    #[tokio::test]
    async fn given_a_valid_itinerary_when_creating_then_the_reservation_is_stored_pending_and_its_event_dispatched(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let comando = comando(vec![itinerario()]);
        let id = comando.id;

        let dto = manejador(&uow).manejar(comando).await.unwrap();

        assert_eq!(dto.id, id.to_string());
        assert_eq!(dto.estado, "Pendiente");
        assert_eq!(uow.reserva(id).unwrap().estado().as_str(), "Pendiente");
        assert_eq!(uow.eventos_despachados(), ["ReservaCreada"]);
    }

    #[tokio::test]
    async fn given_no_itinerary_when_creating_then_the_rule_error_is_returned_and_nothing_stored() {
        let uow = UnidadTrabajoEnMemoria::default();
        let error = manejador(&uow).manejar(comando(vec![])).await.unwrap_err();
        assert!(matches!(
            error,
            ErrorVuelos::Regla(ReglaIncumplida {
                regla: "MinimoUnItinerario",
                ..
            })
        ));
        assert_eq!(uow.cantidad(), 0);
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_store_that_fails_on_commit_when_creating_then_nothing_is_left_behind() {
        let uow = UnidadTrabajoEnMemoria::que_falla_al_confirmar(|| {
            ErrorPersistencia::no_disponible("caída")
        });
        let error = manejador(&uow)
            .manejar(comando(vec![itinerario()]))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ErrorVuelos::Persistencia(ErrorPersistencia::NoDisponible(_))
        ));
        assert_eq!(uow.cantidad(), 0);
    }

    #[tokio::test]
    async fn given_an_id_already_taken_when_creating_then_the_duplicate_is_reported() {
        let uow = UnidadTrabajoEnMemoria::default();
        let primero = comando(vec![itinerario()]);
        let mut segundo = comando(vec![itinerario()]);
        segundo.id = primero.id;
        manejador(&uow).manejar(primero).await.unwrap();
        let error = manejador(&uow).manejar(segundo).await.unwrap_err();
        assert!(matches!(
            error,
            ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_))
        ));
        assert_eq!(uow.cantidad(), 1);
    }
}

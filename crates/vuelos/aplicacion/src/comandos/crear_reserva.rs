//! `CrearReserva`: book the given itineraries for a client, as a pending reservation.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seedwork_aplicacion::{Comando, ManejadorComando, Transaccion, UnidadTrabajo};
use seedwork_dominio::AgregacionRaiz;
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

impl Comando for CrearReserva {
    type Respuesta = ReservaDTO;
    type Error = ErrorVuelos;
}

/// Builds the aggregate (its rules run here), stores it and hands its `ReservaCreada`
/// event to the unit of work, all in one transaction.
pub struct ManejadorCrearReserva<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorCrearReserva<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ManejadorComando<CrearReserva> for ManejadorCrearReserva<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    #[tracing::instrument(name = "crear_reserva", skip_all, fields(id_reserva = %comando.id))]
    async fn manejar(&self, comando: CrearReserva) -> Result<ReservaDTO, ErrorVuelos> {
        // Rules are checked before a transaction is opened: bad input costs no connection.
        let mut reserva = Reserva::crear(
            comando.id,
            comando.id_cliente,
            comando.itinerarios,
            comando.fecha_creacion,
        )?;
        let fabrica = self.fabrica.clone();
        self.uow
            .ejecutar(move |tx| {
                fabrica.reservas(tx).agregar(&reserva)?;
                tx.registrar_eventos(reserva.tomar_eventos());
                Ok(ReservaDTO::from(&reserva))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};

    use super::*;
    use crate::pruebas::{itinerario, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    fn manejador(
        uow: &UnidadTrabajoEnMemoria,
    ) -> ManejadorCrearReserva<UnidadTrabajoEnMemoria, FabricaEnMemoria> {
        ManejadorCrearReserva::new(uow.clone(), FabricaEnMemoria)
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
        let uow = UnidadTrabajoEnMemoria::que_falla_al_confirmar(ErrorPersistencia::NoDisponible(
            "caída".into(),
        ));
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

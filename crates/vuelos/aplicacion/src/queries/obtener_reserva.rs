//! `ObtenerReserva`: one reservation by its id.

use async_trait::async_trait;
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};
use vuelos_dominio::{IdReserva, RepositorioReservas};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::FabricaRepositorios;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObtenerReserva {
    pub id: IdReserva,
}

impl Query for ObtenerReserva {
    type Respuesta = ReservaDTO;
    type Error = ErrorVuelos;
}

pub struct ManejadorObtenerReserva<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorObtenerReserva<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ManejadorQuery<ObtenerReserva> for ManejadorObtenerReserva<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_reserva", skip_all, fields(id_reserva = %query.id))]
    async fn manejar(&self, query: ObtenerReserva) -> Result<ReservaDTO, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        self.uow
            .consultar(move |tx| {
                let reserva = fabrica.reservas(tx).obtener_por_id(query.id)?;
                reserva
                    .as_ref()
                    .map(ReservaDTO::from)
                    .ok_or(ErrorVuelos::NoEncontrada(query.id))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruebas::{FabricaEnMemoria, UnidadTrabajoEnMemoria};

    #[tokio::test]
    async fn given_a_stored_reservation_when_asking_for_its_id_then_it_is_answered() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_reserva_pendiente();
        let dto = ManejadorObtenerReserva::new(uow, FabricaEnMemoria)
            .manejar(ObtenerReserva { id })
            .await
            .unwrap();
        assert_eq!(dto.id, id.to_string());
        assert_eq!(dto.itinerarios.len(), 1);
    }

    #[tokio::test]
    async fn given_an_unknown_id_when_asking_for_it_then_not_found_is_returned() {
        let id = IdReserva::nuevo();
        let respuesta =
            ManejadorObtenerReserva::new(UnidadTrabajoEnMemoria::default(), FabricaEnMemoria)
                .manejar(ObtenerReserva { id })
                .await;
        assert!(matches!(respuesta, Err(ErrorVuelos::NoEncontrada(ref otro)) if *otro == id));
    }
}

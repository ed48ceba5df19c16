//! The list queries: all reservations, the cancelled ones, the unpaid ones, or those in
//! any one state. They differ only in the filter, so they share one handler.

use async_trait::async_trait;
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};
use vuelos_dominio::{EstadoReserva, FiltroReservas, Pagina, RepositorioReservas};

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::FabricaRepositorios;

/// A query that lists one page of reservations matching a filter, newest first.
pub trait ListarReservas: Query<Respuesta = Vec<ReservaDTO>, Error = ErrorVuelos> {
    fn filtro(&self) -> FiltroReservas;
    fn pagina(&self) -> Pagina;
}

/// Every reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObtenerTodasReservas {
    pub pagina: Pagina,
}

impl Query for ObtenerTodasReservas {
    type Respuesta = Vec<ReservaDTO>;
    type Error = ErrorVuelos;
}

impl ListarReservas for ObtenerTodasReservas {
    fn filtro(&self) -> FiltroReservas {
        FiltroReservas::Todas
    }
    fn pagina(&self) -> Pagina {
        self.pagina
    }
}

/// The cancelled reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObtenerReservasCanceladas {
    pub pagina: Pagina,
}

impl Query for ObtenerReservasCanceladas {
    type Respuesta = Vec<ReservaDTO>;
    type Error = ErrorVuelos;
}

impl ListarReservas for ObtenerReservasCanceladas {
    fn filtro(&self) -> FiltroReservas {
        FiltroReservas::ConEstado(EstadoReserva::Cancelada)
    }
    fn pagina(&self) -> Pagina {
        self.pagina
    }
}

/// The reservations not yet paid and still alive (pending or approved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObtenerReservasNoPagadas {
    pub pagina: Pagina,
}

impl Query for ObtenerReservasNoPagadas {
    type Respuesta = Vec<ReservaDTO>;
    type Error = ErrorVuelos;
}

impl ListarReservas for ObtenerReservasNoPagadas {
    fn filtro(&self) -> FiltroReservas {
        FiltroReservas::NoPagadas
    }
    fn pagina(&self) -> Pagina {
        self.pagina
    }
}

/// The reservations in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObtenerReservasPorEstado {
    pub estado: EstadoReserva,
    pub pagina: Pagina,
}

impl Query for ObtenerReservasPorEstado {
    type Respuesta = Vec<ReservaDTO>;
    type Error = ErrorVuelos;
}

impl ListarReservas for ObtenerReservasPorEstado {
    fn filtro(&self) -> FiltroReservas {
        FiltroReservas::ConEstado(self.estado)
    }
    fn pagina(&self) -> Pagina {
        self.pagina
    }
}

pub struct ManejadorListarReservas<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorListarReservas<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<Q, U, F> ManejadorQuery<Q> for ManejadorListarReservas<U, F>
where
    Q: ListarReservas,
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    #[tracing::instrument(name = "listar_reservas", skip_all, fields(filtro = ?query.filtro()))]
    async fn manejar(&self, query: Q) -> Result<Vec<ReservaDTO>, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        let pagina = Pagina {
            limite: query.pagina().limite.min(Pagina::LIMITE_MAXIMO),
            ..query.pagina()
        };
        let filtro = query.filtro();
        self.uow
            .consultar(move |tx| {
                let reservas = fabrica.reservas(tx).obtener(filtro, pagina)?;
                Ok(reservas.iter().map(ReservaDTO::from).collect())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use seedwork_aplicacion::{ManejadorComando, ManejadorQuery};

    use super::*;
    use crate::comandos::{
        AprobarReserva, CancelarReserva, ComandoReserva, ManejadorReservas, PagarReserva,
    };
    use crate::pruebas::{FabricaEnMemoria, UnidadTrabajoEnMemoria};

    /// Four reservations: one pending, one approved, one paid, one cancelled.
    async fn una_de_cada_estado() -> UnidadTrabajoEnMemoria {
        let uow = UnidadTrabajoEnMemoria::default();
        let ciclo = ManejadorReservas::new(uow.clone(), FabricaEnMemoria);
        uow.con_reserva_pendiente();
        let aprobada = uow.con_reserva_pendiente();
        ciclo
            .manejar(ComandoReserva::from(AprobarReserva { id: aprobada }))
            .await
            .unwrap();
        let pagada = uow.con_reserva_pendiente();
        ciclo
            .manejar(ComandoReserva::from(AprobarReserva { id: pagada }))
            .await
            .unwrap();
        ciclo
            .manejar(ComandoReserva::from(PagarReserva { id: pagada }))
            .await
            .unwrap();
        let cancelada = uow.con_reserva_pendiente();
        ciclo
            .manejar(ComandoReserva::from(CancelarReserva { id: cancelada }))
            .await
            .unwrap();
        uow
    }

    async fn estados<Q: ListarReservas>(uow: &UnidadTrabajoEnMemoria, query: Q) -> Vec<String> {
        let mut estados: Vec<_> = ManejadorListarReservas::new(uow.clone(), FabricaEnMemoria)
            .manejar(query)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.estado)
            .collect();
        estados.sort();
        estados
    }

    #[tokio::test]
    async fn given_reservations_in_every_state_when_listing_all_then_every_one_is_answered() {
        let uow = una_de_cada_estado().await;
        assert_eq!(
            estados(&uow, ObtenerTodasReservas::default()).await,
            ["Aprobada", "Cancelada", "Pagada", "Pendiente"]
        );
    }

    #[tokio::test]
    async fn given_reservations_in_every_state_when_listing_the_cancelled_then_only_it_is_answered()
    {
        let uow = una_de_cada_estado().await;
        assert_eq!(
            estados(&uow, ObtenerReservasCanceladas::default()).await,
            ["Cancelada"]
        );
    }

    #[tokio::test]
    async fn given_reservations_in_every_state_when_listing_the_unpaid_then_pending_and_approved_are_answered(
    ) {
        let uow = una_de_cada_estado().await;
        assert_eq!(
            estados(&uow, ObtenerReservasNoPagadas::default()).await,
            ["Aprobada", "Pendiente"]
        );
    }

    #[tokio::test]
    async fn given_reservations_in_every_state_when_listing_one_state_then_only_those_are_answered()
    {
        let uow = una_de_cada_estado().await;
        let query = ObtenerReservasPorEstado {
            estado: EstadoReserva::Pagada,
            pagina: Pagina::default(),
        };
        assert_eq!(estados(&uow, query).await, ["Pagada"]);
    }

    #[tokio::test]
    async fn a_page_never_holds_more_than_asked() {
        let uow = una_de_cada_estado().await;
        let query = ObtenerTodasReservas {
            pagina: Pagina {
                limite: 2,
                desplazamiento: 1,
            },
        };
        assert_eq!(estados(&uow, query).await.len(), 2);
    }
}

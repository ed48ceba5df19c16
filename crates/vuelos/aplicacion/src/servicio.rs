//! The application of the vuelos module as its edges see it: [`Vuelos`] is the one port the
//! HTTP routes (and the gRPC and websocket adapters) call, and [`AplicacionVuelos`] its
//! implementation over the unit of work, the repositories and the command transport.

use std::sync::Arc;

use async_trait::async_trait;
use seedwork_aplicacion::{ManejadorComando, ManejadorQuery, UnidadTrabajo};
use vuelos_dominio::{EstadoReserva, FiltroReservas, IdReserva, Pagina, RepositorioReservas};

use crate::comandos::{ComandoReserva, ManejadorReservas};
use crate::dto::{ReservaDTO, UltimaSolicitudDTO};
use crate::errores::ErrorVuelos;
use crate::puertos::{
    Conversacion, FabricaRepositorios, RepositorioSolicitudes, TransporteComandos,
};
use crate::queries::{
    ManejadorListarReservas, ObtenerReservasCanceladas, ObtenerReservasNoPagadas,
    ObtenerReservasPorEstado, ObtenerTodasReservas,
};
use crate::solicitudes::EstadoSolicitud;

/// Where a reservation stands for whoever asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultaReserva {
    /// It exists.
    Existe(ReservaDTO),
    /// It was asked for asynchronously and its command is not handled yet.
    EnProceso,
    /// It was asked for asynchronously and its command was refused, for this reason.
    Rechazada { razon: String },
}

/// The questions the edges of the service may ask of the vuelos module. A command service
/// answers them from its write model ([`AplicacionVuelos`]); a query service from its own
/// read model, kept current by the integration events (`crate::vista::ConsultasVista`).
#[async_trait]
pub trait ConsultasVuelos: Send + Sync + 'static {
    /// One reservation, or where its asynchronous request stands: `NoEncontrada` when
    /// neither exists.
    async fn consultar(&self, id: IdReserva) -> Result<ConsultaReserva, ErrorVuelos>;

    /// One page of the reservations that match `filtro`, newest first.
    async fn listar(
        &self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorVuelos>;
}

/// What the edges of the service may ask of the vuelos module where it keeps its write
/// model: its commands, and its queries answered from that model.
#[async_trait]
pub trait Vuelos: ConsultasVuelos {
    /// Runs a command now, in this process, and answers the reservation it leaves.
    async fn ejecutar(&self, comando: ComandoReserva) -> Result<ReservaDTO, ErrorVuelos>;

    /// Accepts a command to be handled later, through the command transport, and answers
    /// the reservation it is about. A creation is checked against the aggregate's rules
    /// first; any other command needs a reservation that exists or is in process.
    async fn enviar(
        &self,
        comando: ComandoReserva,
        conversacion: Conversacion,
    ) -> Result<IdReserva, ErrorVuelos>;
}

/// The vuelos application over a unit of work `U`, the repositories of `F` and the command
/// transport `T`.
pub struct AplicacionVuelos<U, F, T> {
    uow: U,
    fabrica: F,
    transporte: T,
}

impl<U, F, T> AplicacionVuelos<U, F, T>
where
    U: UnidadTrabajo + Clone,
    F: FabricaRepositorios<U::Transaccion>,
    T: TransporteComandos,
{
    pub fn new(uow: U, fabrica: F, transporte: T) -> Self {
        Self {
            uow,
            fabrica,
            transporte,
        }
    }

    fn manejador(&self) -> ManejadorReservas<U, F> {
        ManejadorReservas::new(self.uow.clone(), self.fabrica.clone())
    }
}

#[async_trait]
impl<U, F, T> Vuelos for AplicacionVuelos<U, F, T>
where
    U: UnidadTrabajo + Clone,
    F: FabricaRepositorios<U::Transaccion>,
    T: TransporteComandos,
{
    async fn ejecutar(&self, comando: ComandoReserva) -> Result<ReservaDTO, ErrorVuelos> {
        self.manejador().manejar(comando).await
    }

    #[tracing::instrument(name = "enviar_comando", skip_all, fields(id_reserva = %comando.id_reserva()))]
    async fn enviar(
        &self,
        comando: ComandoReserva,
        conversacion: Conversacion,
    ) -> Result<IdReserva, ErrorVuelos> {
        let id = comando.id_reserva();
        match comando.creacion() {
            Some(crear) => crear.validar()?,
            None => match self.consultar(id).await? {
                ConsultaReserva::Existe(_) | ConsultaReserva::EnProceso => {}
                ConsultaReserva::Rechazada { .. } => return Err(ErrorVuelos::NoEncontrada(id)),
            },
        }
        self.transporte.enviar(comando, conversacion).await?;
        Ok(id)
    }
}

#[async_trait]
impl<U, F, T> ConsultasVuelos for AplicacionVuelos<U, F, T>
where
    U: UnidadTrabajo + Clone,
    F: FabricaRepositorios<U::Transaccion>,
    T: TransporteComandos,
{
    #[tracing::instrument(name = "consultar_reserva", skip_all, fields(id_reserva = %id))]
    async fn consultar(&self, id: IdReserva) -> Result<ConsultaReserva, ErrorVuelos> {
        let fabrica = self.fabrica.clone();
        self.uow
            .consultar(move |tx| {
                let reserva = fabrica.reservas(tx).obtener_por_id(id)?;
                if let Some(reserva) = reserva {
                    let mut dto = ReservaDTO::from(&reserva);
                    dto.ultima_solicitud = fabrica
                        .solicitudes(tx)
                        .ultima(id)?
                        .as_ref()
                        .map(|ultima| Box::new(UltimaSolicitudDTO::from(ultima)));
                    return Ok(ConsultaReserva::Existe(dto));
                }
                match fabrica.solicitudes(tx).estado(id)? {
                    Some(EstadoSolicitud::EnProceso) => Ok(ConsultaReserva::EnProceso),
                    Some(EstadoSolicitud::Rechazada { razon }) => {
                        Ok(ConsultaReserva::Rechazada { razon })
                    }
                    None => Err(ErrorVuelos::NoEncontrada(id)),
                }
            })
            .await
    }

    async fn listar(
        &self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorVuelos> {
        let manejador = ManejadorListarReservas::new(self.uow.clone(), self.fabrica.clone());
        match filtro {
            FiltroReservas::Todas => manejador.manejar(ObtenerTodasReservas { pagina }).await,
            FiltroReservas::NoPagadas => {
                manejador.manejar(ObtenerReservasNoPagadas { pagina }).await
            }
            FiltroReservas::ConEstado(EstadoReserva::Cancelada) => {
                manejador
                    .manejar(ObtenerReservasCanceladas { pagina })
                    .await
            }
            FiltroReservas::ConEstado(estado) => {
                manejador
                    .manejar(ObtenerReservasPorEstado { estado, pagina })
                    .await
            }
        }
    }
}

/// The transport that handles a command at once, in this process: for the application's
/// unit tests, and for running without a broker. The command's error is the caller's.
pub struct TransporteEnProceso<U, F> {
    manejador: Arc<ManejadorReservas<U, F>>,
}

impl<U, F> TransporteEnProceso<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self {
            manejador: Arc::new(ManejadorReservas::new(uow, fabrica)),
        }
    }
}

#[async_trait]
impl<U, F> TransporteComandos for TransporteEnProceso<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
{
    async fn enviar(
        &self,
        comando: ComandoReserva,
        _conversacion: Conversacion,
    ) -> Result<(), ErrorVuelos> {
        self.manejador.manejar(comando).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::Utc;
    use seedwork_dominio::ReglaIncumplida;

    use super::*;
    use crate::comandos::{AprobarReserva, CrearReserva};
    use crate::pruebas::{itinerario, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    type EnProceso = TransporteEnProceso<UnidadTrabajoEnMemoria, FabricaEnMemoria>;

    fn aplicacion(
        uow: &UnidadTrabajoEnMemoria,
    ) -> AplicacionVuelos<UnidadTrabajoEnMemoria, FabricaEnMemoria, EnProceso> {
        let transporte = TransporteEnProceso::new(uow.clone(), FabricaEnMemoria);
        AplicacionVuelos::new(uow.clone(), FabricaEnMemoria, transporte)
    }

    /// A transport that only notes what it was given.
    #[derive(Default)]
    struct TransporteQueAnota(Mutex<Vec<ComandoReserva>>);

    #[async_trait]
    impl TransporteComandos for Arc<TransporteQueAnota> {
        async fn enviar(
            &self,
            comando: ComandoReserva,
            _: Conversacion,
        ) -> Result<(), ErrorVuelos> {
            self.0.lock().unwrap().push(comando);
            Ok(())
        }
    }

    fn crear(itinerarios: Vec<vuelos_dominio::Itinerario>) -> ComandoReserva {
        ComandoReserva::Crear(CrearReserva {
            id: IdReserva::nuevo(),
            id_cliente: None,
            itinerarios,
            fecha_creacion: Utc::now(),
        })
    }

    #[tokio::test]
    async fn a_creation_sent_through_the_in_process_transport_is_then_queried_as_existing() {
        let uow = UnidadTrabajoEnMemoria::default();
        let aplicacion = aplicacion(&uow);

        let id = aplicacion
            .enviar(
                crear(vec![itinerario()]),
                Conversacion::correlacionada("p-1"),
            )
            .await
            .unwrap();

        match aplicacion.consultar(id).await.unwrap() {
            ConsultaReserva::Existe(dto) => assert_eq!(dto.estado, "Pendiente"),
            otra => panic!("expected the reservation, got {otra:?}"),
        }
        assert_eq!(uow.eventos_despachados(), ["ReservaCreada"]);
    }

    #[tokio::test]
    async fn a_creation_that_breaks_a_rule_is_refused_before_it_reaches_the_transport() {
        let uow = UnidadTrabajoEnMemoria::default();
        let transporte = Arc::new(TransporteQueAnota::default());
        let aplicacion = AplicacionVuelos::new(uow.clone(), FabricaEnMemoria, transporte.clone());

        let error = aplicacion
            .enviar(crear(vec![]), Conversacion::default())
            .await
            .unwrap_err();

        assert!(matches!(
            error,
            ErrorVuelos::Regla(ReglaIncumplida {
                regla: "MinimoUnItinerario",
                ..
            })
        ));
        assert!(transporte.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_lifecycle_command_needs_a_reservation_that_exists_or_is_in_process() {
        let uow = UnidadTrabajoEnMemoria::default();
        let transporte = Arc::new(TransporteQueAnota::default());
        let aplicacion = AplicacionVuelos::new(uow.clone(), FabricaEnMemoria, transporte.clone());
        let aprobar = |id| ComandoReserva::Aprobar(AprobarReserva { id });

        let desconocida = IdReserva::nuevo();
        let error = aplicacion
            .enviar(aprobar(desconocida), Conversacion::default())
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorVuelos::NoEncontrada(ref otro) if *otro == desconocida));

        let rechazada = IdReserva::nuevo();
        uow.con_solicitud(rechazada, EstadoSolicitud::Rechazada { razon: "no".into() });
        assert!(aplicacion
            .enviar(aprobar(rechazada), Conversacion::default())
            .await
            .is_err());

        let en_proceso = IdReserva::nuevo();
        uow.con_solicitud(en_proceso, EstadoSolicitud::EnProceso);
        let existente = uow.con_reserva_pendiente();
        for id in [en_proceso, existente] {
            assert_eq!(
                aplicacion
                    .enviar(aprobar(id), Conversacion::default())
                    .await
                    .unwrap(),
                id
            );
        }
        assert_eq!(
            *transporte.0.lock().unwrap(),
            [aprobar(en_proceso), aprobar(existente)]
        );
    }

    #[tokio::test]
    async fn a_request_not_yet_handled_or_refused_is_answered_as_such() {
        let uow = UnidadTrabajoEnMemoria::default();
        let aplicacion = aplicacion(&uow);
        let (en_proceso, rechazada) = (IdReserva::nuevo(), IdReserva::nuevo());
        uow.con_solicitud(en_proceso, EstadoSolicitud::EnProceso);
        uow.con_solicitud(
            rechazada,
            EstadoSolicitud::Rechazada {
                razon: "sin itinerarios".into(),
            },
        );

        assert_eq!(
            aplicacion.consultar(en_proceso).await.unwrap(),
            ConsultaReserva::EnProceso
        );
        assert_eq!(
            aplicacion.consultar(rechazada).await.unwrap(),
            ConsultaReserva::Rechazada {
                razon: "sin itinerarios".into()
            }
        );
        let nadie = IdReserva::nuevo();
        assert!(
            matches!(aplicacion.consultar(nadie).await, Err(ErrorVuelos::NoEncontrada(ref otro)) if *otro == nadie)
        );
    }
}

//! The handler of the reservation event topics (the driving adapter of the service): it
//! decodes a record with the contract's decoder, turns it into a [`Notificacion`] and sends
//! it through the inbox step, inside the transaction that records the message, so a
//! redelivered message is not mailed twice.

use std::sync::Arc;

use async_trait::async_trait;
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::con_causas;
use seedwork_mensajeria::{anotar_mensaje, Desenlace, ManejadorMensajes, MensajeEntrante};
use seedwork_persistencia::{Inbox, MensajeEnCurso, Procesado};
use uuid::Uuid;
use vuelos_contrato::{
    Decodificador, ErrorAvro, ErrorConversion, EventoVuelos, SUSCRIPCION_NOTIFICACIONES,
};

use crate::dominio::{MotivoNotificacion, Notificacion};
use crate::notificador::{ErrorNotificador, Notificador};

/// The subscription of the service on every event topic (the tutorial's name). Shared:
/// replicas split the messages between them.
pub const SUSCRIPCION: &str = SUSCRIPCION_NOTIFICACIONES;

/// Why a message can never become a notification: it goes to the dead-letter topic.
#[derive(Debug, thiserror::Error)]
pub enum ErrorLectura {
    #[error("el tópico {0} no lleva eventos de reservas")]
    Topico(String),
    #[error(transparent)]
    Avro(#[from] ErrorAvro),
    #[error(transparent)]
    Conversion(#[from] ErrorConversion),
}

/// How sending inside the inbox transaction failed.
#[derive(Debug, thiserror::Error)]
enum ErrorEnvio {
    #[error(transparent)]
    UnidadTrabajo(#[from] ErrorUnidadTrabajo),
    #[error(transparent)]
    Notificador(#[from] ErrorNotificador),
}

/// Handles the messages of every reservation event topic, sending each through `N`.
pub struct ConsumidorEventos<N> {
    inbox: Inbox,
    notificador: Arc<N>,
    decodificador: Decodificador,
}

impl<N: Notificador> ConsumidorEventos<N> {
    pub fn new(inbox: Inbox, notificador: Arc<N>) -> Self {
        Self {
            inbox,
            notificador,
            decodificador: Decodificador::new(),
        }
    }

    /// The event, its inbox id and its notification (`None`: an anonymous reservation,
    /// nobody to write to).
    fn leer(
        &self,
        mensaje: &MensajeEntrante,
    ) -> Result<(EventoVuelos, String, Uuid, Option<Notificacion>), ErrorLectura> {
        let evento = self
            .decodificador
            .evento(
                &mensaje.topico,
                &mensaje.carga,
                mensaje.esquema_escritor.as_deref(),
            )
            .ok_or_else(|| ErrorLectura::Topico(mensaje.topico.clone()))??;
        let id_mensaje = match evento.id_mensaje()? {
            Some(id) => id.to_string(),
            // Written with the tutorial's schema, which has no envelope id: the broker's id
            // is stable across redeliveries. It is only unique within a topic, hence the
            // topic in the key.
            None => format!("{}#{}", mensaje.topico, mensaje.id_broker),
        };
        let reserva = evento.a_notificacion()?;
        let notificacion = reserva.id_cliente.map(|id_cliente| {
            let motivo = MotivoNotificacion::from(evento.tipo_evento());
            Notificacion::new(motivo, reserva.id_reserva, id_cliente, reserva.fecha)
        });
        Ok((evento, id_mensaje, reserva.id_reserva, notificacion))
    }

    /// Sends the notification unless the inbox has seen the message.
    async fn enviar_una_vez(
        &self,
        en_curso: MensajeEnCurso,
        notificacion: Notificacion,
    ) -> Desenlace {
        let notificador = Arc::clone(&self.notificador);
        let id_mensaje = en_curso.id_mensaje.clone();
        let tipo = en_curso.tipo.clone();
        // The work runs on a blocking thread: carry the message's span there, so the mail's
        // log line names the message too.
        let span = tracing::Span::current();
        let envio = self
            .inbox
            .procesar(en_curso, |uow| async move {
                uow.ejecutar(move |_tx| {
                    let _dentro = span.enter();
                    notificador.enviar(&notificacion).map_err(ErrorEnvio::from)
                })
                .await
            })
            .await;
        match envio {
            Procesado::Antes => {
                tracing::info!(%id_mensaje, "mensaje repetido: ya se notificó");
                Desenlace::Procesado
            }
            Procesado::Ahora(Ok(())) => {
                metrics::counter!("aeroalpes_notificaciones_enviadas_total", "tipo" => tipo)
                    .increment(1);
                Desenlace::Procesado
            }
            Procesado::Ahora(Err(ErrorEnvio::Notificador(
                error @ ErrorNotificador::Rechazada(_),
            ))) => Desenlace::Rechazado(con_causas(&error)),
            Procesado::Ahora(Err(ErrorEnvio::UnidadTrabajo(
                error @ ErrorUnidadTrabajo::Regla(_),
            ))) => Desenlace::Rechazado(con_causas(&error)),
            // The database or the mail service is unavailable: try again later.
            Procesado::Ahora(Err(error)) => Desenlace::Reintentar(con_causas(&error)),
        }
    }
}

#[async_trait]
impl<N: Notificador> ManejadorMensajes for ConsumidorEventos<N> {
    #[tracing::instrument(
        name = "evento",
        skip_all,
        fields(
            topico = %mensaje.topico,
            id_broker = %mensaje.id_broker,
            id_mensaje = tracing::field::Empty,
            id_reserva = tracing::field::Empty,
            correlation_id = tracing::field::Empty
        )
    )]
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        let (evento, id_mensaje, id_reserva, notificacion) = match self.leer(&mensaje) {
            Ok(leido) => leido,
            Err(error) => return Desenlace::Rechazado(con_causas(&error)),
        };
        // Recorded once read (ids, never a message's raw text): every line of its handling,
        // the mail's included, names the message and its reservation.
        let span = tracing::Span::current();
        span.record("id_mensaje", tracing::field::display(&id_mensaje));
        span.record("id_reserva", tracing::field::display(id_reserva));
        anotar_mensaje(evento.correlation_id(), None);
        match notificacion {
            Some(notificacion) => {
                let en_curso = MensajeEnCurso::new(id_mensaje, evento.tipo())
                    .correlacionado(evento.correlation_id().map(str::to_owned));
                self.enviar_una_vez(en_curso, notificacion).await
            }
            None => {
                tracing::info!(%id_reserva, "reserva sin cliente: no hay a quién notificar");
                Desenlace::Procesado
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, VecDeque};

    use std::sync::Mutex;

    use chrono::Utc;
    use seedwork_persistencia::{ManejadoresEventos, UnidadTrabajoDiesel};
    use seedwork_pruebas::bases::{self, BaseDePrueba};
    use uuid::Uuid;
    use vuelos_contrato::{
        EventoReservaCreada, EventoReservaPagada, MensajeIntegracion, Metadatos,
        ReservaCreadaPayload, ReservaPagadaPayload,
    };

    use super::*;
    use crate::startup::MIGRACIONES;

    /// A mail service that keeps what it is sent, and fails as it is told to first.
    #[derive(Default)]
    struct Buzon {
        enviadas: Mutex<Vec<Notificacion>>,
        fallos: Mutex<VecDeque<ErrorNotificador>>,
    }

    impl Notificador for Buzon {
        fn enviar(&self, notificacion: &Notificacion) -> Result<(), ErrorNotificador> {
            if let Some(fallo) = self.fallos.lock().unwrap().pop_front() {
                return Err(fallo);
            }
            self.enviadas.lock().unwrap().push(notificacion.clone());
            Ok(())
        }
    }

    impl Buzon {
        fn fallando(fallo: ErrorNotificador) -> Self {
            let buzon = Self::default();
            buzon.fallos.lock().unwrap().push_back(fallo);
            buzon
        }

        fn enviadas(&self) -> Vec<Notificacion> {
            self.enviadas.lock().unwrap().clone()
        }
    }

    struct Escenario {
        _base: BaseDePrueba,
        buzon: Arc<Buzon>,
        consumidor: ConsumidorEventos<Buzon>,
    }

    fn escenario(buzon: Buzon) -> Escenario {
        let base = bases::sqlite(&MIGRACIONES);
        let buzon = Arc::new(buzon);
        let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()));
        Escenario {
            consumidor: ConsumidorEventos::new(Inbox::new(uow), buzon.clone()),
            buzon,
            _base: base,
        }
    }

    fn creada(id_cliente: Option<Uuid>) -> EventoReservaCreada {
        let carga = ReservaCreadaPayload {
            id_reserva: Some(Uuid::now_v7().to_string()),
            id_cliente: id_cliente.map(|id| id.to_string()),
            estado: Some("Pendiente".into()),
            fecha_creacion: Some(Utc::now().timestamp_millis()),
            itinerarios: None,
        };
        EventoReservaCreada::envolver(carga, &Metadatos::nuevos(), Utc::now())
    }

    fn mensaje<E: MensajeIntegracion>(registro: &E, id_broker: &str) -> MensajeEntrante {
        MensajeEntrante {
            topico: E::TOPICO.into(),
            id_broker: id_broker.into(),
            carga: registro.codificar().unwrap(),
            clave: None,
            propiedades: BTreeMap::new(),
            esquema_escritor: Some(Arc::from(E::ESQUEMA_JSON)),
            reintentos: 0,
        }
    }

    #[tokio::test]
    async fn a_created_reservation_is_mailed_to_its_client() {
        let dado = escenario(Buzon::default());
        let id_cliente = Uuid::now_v7();
        let registro = creada(Some(id_cliente));

        let desenlace = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert_eq!(desenlace, Desenlace::Procesado);
        let enviadas = dado.buzon.enviadas();
        assert_eq!(enviadas.len(), 1);
        assert_eq!(enviadas[0].id_cliente(), id_cliente);
        assert_eq!(
            Some(enviadas[0].id_reserva().to_string()),
            registro.data.and_then(|d| d.id_reserva)
        );
        assert_eq!(enviadas[0].asunto(), "Reserva creada");
    }

    #[tokio::test]
    async fn a_message_delivered_twice_is_mailed_once() {
        let dado = escenario(Buzon::default());
        let registro = creada(Some(Uuid::now_v7()));

        let primero = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        // The same envelope published again: another broker id, the same message id.
        let segundo = dado.consumidor.manejar(mensaje(&registro, "1:1:-1")).await;

        assert_eq!(
            (primero, segundo),
            (Desenlace::Procesado, Desenlace::Procesado)
        );
        assert_eq!(dado.buzon.enviadas().len(), 1);
    }

    #[tokio::test]
    async fn a_record_without_envelope_id_is_deduplicated_by_its_broker_id() {
        let dado = escenario(Buzon::default());
        let mut registro = creada(Some(Uuid::now_v7()));
        registro.id = None;

        dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        assert_eq!(dado.buzon.enviadas().len(), 1);

        dado.consumidor.manejar(mensaje(&registro, "1:7:-1")).await;
        assert_eq!(dado.buzon.enviadas().len(), 2);
    }

    #[tokio::test]
    async fn bytes_that_are_not_the_record_are_dead_lettered() {
        let dado = escenario(Buzon::default());
        let mut basura = mensaje(&creada(Some(Uuid::now_v7())), "1:0:-1");
        basura.carga = b"no es avro".to_vec();

        let desenlace = dado.consumidor.manejar(basura).await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
        assert!(dado.buzon.enviadas().is_empty());
    }

    #[tokio::test]
    async fn a_writer_schema_that_does_not_parse_is_dead_lettered() {
        let dado = escenario(Buzon::default());
        let mut entrante = mensaje(&creada(Some(Uuid::now_v7())), "1:0:-1");
        entrante.esquema_escritor = Some(Arc::from("{ no es un esquema"));

        let desenlace = dado.consumidor.manejar(entrante).await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
    }

    #[tokio::test]
    async fn an_event_lacking_its_reservation_is_dead_lettered() {
        let dado = escenario(Buzon::default());
        let mut registro = creada(Some(Uuid::now_v7()));
        if let Some(carga) = registro.data.as_mut() {
            carga.id_reserva = None;
        }

        let desenlace = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
    }

    #[tokio::test]
    async fn an_anonymous_reservation_is_acknowledged_without_a_mail() {
        let dado = escenario(Buzon::default());

        let desenlace = dado
            .consumidor
            .manejar(mensaje(&creada(None), "1:0:-1"))
            .await;

        assert_eq!(desenlace, Desenlace::Procesado);
        assert!(dado.buzon.enviadas().is_empty());
    }

    #[tokio::test]
    async fn an_event_of_the_tutorial_with_client_none_is_read_as_anonymous_not_dead_lettered() {
        let dado = escenario(Buzon::default());
        let mut registro = creada(None);
        if let Some(carga) = registro.data.as_mut() {
            // The tutorial's aeroalpes writes Python's str(None).
            carga.id_cliente = Some("None".into());
        }

        let desenlace = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert_eq!(desenlace, Desenlace::Procesado);
        assert!(dado.buzon.enviadas().is_empty());
    }

    #[tokio::test]
    async fn while_the_mail_service_is_down_the_message_is_retried_then_mailed_once() {
        let dado = escenario(Buzon::fallando(ErrorNotificador::NoDisponible(
            "smtp caído".into(),
        )));
        let registro = creada(Some(Uuid::now_v7()));

        let primero = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        let segundo = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert!(matches!(primero, Desenlace::Reintentar(_)), "{primero:?}");
        assert_eq!(segundo, Desenlace::Procesado);
        assert_eq!(dado.buzon.enviadas().len(), 1);
    }

    #[tokio::test]
    async fn a_mail_the_service_refuses_for_good_is_dead_lettered() {
        let dado = escenario(Buzon::fallando(ErrorNotificador::Rechazada(
            "buzón inexistente".into(),
        )));

        let desenlace = dado
            .consumidor
            .manejar(mensaje(&creada(Some(Uuid::now_v7())), "1:0:-1"))
            .await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
    }

    #[tokio::test]
    async fn a_paid_reservation_gets_the_mail_of_its_own_topic() {
        let dado = escenario(Buzon::default());
        let carga = ReservaPagadaPayload {
            id_reserva: Some(Uuid::now_v7().to_string()),
            id_cliente: Some(Uuid::now_v7().to_string()),
            estado: Some("Pagada".into()),
            fecha_actualizacion: Some(Utc::now().timestamp_millis()),
        };
        let registro =
            EventoReservaPagada::envolver(carga, &Metadatos::con_id(Uuid::now_v7()), Utc::now());

        let desenlace = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert_eq!(desenlace, Desenlace::Procesado);
        assert_eq!(dado.buzon.enviadas()[0].asunto(), "Reserva pagada");
    }
}

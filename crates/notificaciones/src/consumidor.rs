//! The handler of the reservation event topics (the driving adapter of the service): it
//! decodes a record with the schema its producer wrote it with, turns it into a
//! [`Notificacion`] and sends it inside the transaction that records the message in the
//! inbox, so a redelivered message is not mailed twice.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use apache_avro::Schema;
use async_trait::async_trait;
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::ErrorPersistencia;
use seedwork_infraestructura::mensajeria::{
    en_contexto_de_mensaje, Desenlace, ManejadorMensajes, MensajeEnCurso, MensajeEntrante,
};
use seedwork_infraestructura::UnidadTrabajoDiesel;
use vuelos_infraestructura::esquemas::{
    ErrorAvro, ErrorConversion, EventoIntegracion, EventoReservaAprobada, EventoReservaCancelada,
    EventoReservaCreada, EventoReservaPagada, Metadatos, Sobre,
};

use crate::dominio::{MotivoNotificacion, Notificacion};
use crate::notificador::{ErrorNotificador, Notificador};

/// The subscription of the service on every event topic (the tutorial's name). Shared:
/// replicas split the messages between them.
pub const SUSCRIPCION: &str = "sub-notificacion-eventos-reservas";

/// An event record the service writes a mail about, and why.
pub trait EventoNotificable: EventoIntegracion + Send + Sync + 'static {
    const MOTIVO: MotivoNotificacion;

    /// The envelope's identity (see [`vuelos_infraestructura::esquemas::Sobre::metadatos`]).
    fn metadatos(&self) -> Result<Metadatos, ErrorConversion>;

    /// Whether the envelope carries an id at all (the tutorial's schema has none).
    fn tiene_id(&self) -> bool;
}

/// Every event record is a [`vuelos_infraestructura::esquemas::Sobre`]: the envelope
/// methods are the same for all four, only the reason differs.
macro_rules! notificable {
    ($($registro:ident => $motivo:ident),+ $(,)?) => {$(
        impl EventoNotificable for $registro {
            const MOTIVO: MotivoNotificacion = MotivoNotificacion::$motivo;

            fn metadatos(&self) -> Result<Metadatos, ErrorConversion> {
                Sobre::metadatos(self)
            }

            fn tiene_id(&self) -> bool {
                self.id.is_some()
            }
        }
    )+};
}

notificable!(
    EventoReservaCreada => ReservaCreada,
    EventoReservaAprobada => ReservaAprobada,
    EventoReservaCancelada => ReservaCancelada,
    EventoReservaPagada => ReservaPagada,
);

/// Why a message can never become a notification: it goes to the dead-letter topic.
#[derive(Debug, thiserror::Error)]
pub enum ErrorLectura {
    #[error("el esquema con que se escribió el mensaje no es Avro válido: {0}")]
    EsquemaEscritor(String),
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

/// Writer schemas parsed once and shared by the handlers of every topic: a producer's
/// schema is the same text on every message it writes.
#[derive(Debug, Default)]
pub struct EsquemasEscritor {
    parseados: Mutex<HashMap<Arc<str>, Arc<Schema>>>,
}

impl EsquemasEscritor {
    /// More distinct writer schemas than this means something odd is producing; start over
    /// rather than grow without bound.
    const MAXIMO: usize = 64;

    fn obtener(&self, texto: &Arc<str>) -> Result<Arc<Schema>, ErrorLectura> {
        // A panic while the lock was held cannot leave the map half-written: take it anyway.
        let mut parseados = self
            .parseados
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(esquema) = parseados.get(texto) {
            return Ok(esquema.clone());
        }
        let esquema = Arc::new(
            Schema::parse_str(texto).map_err(|e| ErrorLectura::EsquemaEscritor(e.to_string()))?,
        );
        if parseados.len() >= Self::MAXIMO {
            parseados.clear();
        }
        parseados.insert(texto.clone(), esquema.clone());
        Ok(esquema)
    }
}

/// Handles the messages of the topic of `E`, sending each through `N`.
pub struct ConsumidorEventos<E, N> {
    uow: UnidadTrabajoDiesel,
    notificador: Arc<N>,
    esquemas: Arc<EsquemasEscritor>,
    evento: PhantomData<fn() -> E>,
}

impl<E: EventoNotificable, N: Notificador> ConsumidorEventos<E, N> {
    pub fn new(
        uow: UnidadTrabajoDiesel,
        notificador: Arc<N>,
        esquemas: Arc<EsquemasEscritor>,
    ) -> Self {
        Self {
            uow,
            notificador,
            esquemas,
            evento: PhantomData,
        }
    }

    /// The inbox id of the message and its notification (`None`: an anonymous reservation,
    /// nobody to write to).
    fn leer(
        &self,
        mensaje: &MensajeEntrante,
    ) -> Result<(String, Option<Notificacion>), ErrorLectura> {
        let escritor = match &mensaje.esquema_escritor {
            Some(texto) => Some(self.esquemas.obtener(texto)?),
            None => None,
        };
        let registro = E::decodificar(&mensaje.carga, escritor.as_deref())?;
        let id_mensaje = match registro.metadatos() {
            Ok(metadatos) => metadatos.id_mensaje.to_string(),
            // Written with the tutorial's schema, which has no envelope id: the broker's id
            // is stable across redeliveries. It is only unique within a topic, hence the
            // topic in the key.
            Err(_) if !registro.tiene_id() => format!("{}#{}", mensaje.topico, mensaje.id_broker),
            Err(error) => return Err(error.into()),
        };
        let reserva = registro.a_notificacion()?;
        let notificacion = reserva.id_cliente.map(|id_cliente| {
            Notificacion::new(E::MOTIVO, reserva.id_reserva, id_cliente, reserva.fecha)
        });
        Ok((id_mensaje, notificacion))
    }

    /// Sends the notification unless the inbox has seen the message.
    async fn enviar_una_vez(&self, id_mensaje: String, notificacion: Notificacion) -> Desenlace {
        let notificador = Arc::clone(&self.notificador);
        let en_curso = MensajeEnCurso::new(id_mensaje.clone(), E::TIPO);
        // The work runs on a blocking thread: carry the message's span there, so the mail's
        // log line names the message too.
        let span = tracing::Span::current();
        let envio = self.uow.ejecutar(move |_tx| {
            let _dentro = span.enter();
            notificador.enviar(&notificacion).map_err(ErrorEnvio::from)
        });
        match en_contexto_de_mensaje(en_curso, envio).await {
            Ok(()) => Desenlace::Procesado,
            Err(ErrorEnvio::UnidadTrabajo(ErrorUnidadTrabajo::Persistencia(
                ErrorPersistencia::Duplicado(_),
            ))) => {
                tracing::info!(%id_mensaje, "mensaje repetido: ya se notificó");
                Desenlace::Procesado
            }
            Err(ErrorEnvio::Notificador(error @ ErrorNotificador::Rechazada(_))) => {
                Desenlace::Rechazado(error.to_string())
            }
            Err(ErrorEnvio::UnidadTrabajo(error @ ErrorUnidadTrabajo::Regla(_))) => {
                Desenlace::Rechazado(error.to_string())
            }
            // The database or the mail service is unavailable: try again later.
            Err(error) => Desenlace::Reintentar(error.to_string()),
        }
    }
}

#[async_trait]
impl<E: EventoNotificable, N: Notificador> ManejadorMensajes for ConsumidorEventos<E, N> {
    #[tracing::instrument(
        name = "evento",
        skip_all,
        fields(tipo = %E::TIPO, id_broker = %mensaje.id_broker, id_mensaje = tracing::field::Empty)
    )]
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        // Decoding runs on bytes anyone could have published. Should the decoder panic on
        // some input, that message is dead-lettered like any other that does not decode,
        // instead of taking the consumer loop (and, redelivered, every restart) down.
        let leido = panic::catch_unwind(AssertUnwindSafe(|| self.leer(&mensaje)));
        let (id_mensaje, notificacion) = match leido {
            Ok(Ok(leido)) => leido,
            Ok(Err(error)) => return Desenlace::Rechazado(error.to_string()),
            Err(_) => return Desenlace::Rechazado(format!("{} no se pudo decodificar", E::TIPO)),
        };
        tracing::Span::current().record("id_mensaje", tracing::field::display(&id_mensaje));
        match notificacion {
            Some(notificacion) => self.enviar_una_vez(id_mensaje, notificacion).await,
            None => {
                tracing::info!("reserva sin cliente: no hay a quién notificar");
                Desenlace::Procesado
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, VecDeque};

    use chrono::Utc;
    use seedwork_infraestructura::pruebas::{self, BaseDePrueba};
    use seedwork_infraestructura::ManejadoresEventos;
    use uuid::Uuid;
    use vuelos_dominio::{IdCliente, IdReserva};
    use vuelos_infraestructura::esquemas::{
        MensajeIntegracion, ReservaCreadaPayload, ReservaPagadaPayload,
    };

    use super::*;

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

    struct Escenario<E> {
        _base: BaseDePrueba,
        buzon: Arc<Buzon>,
        consumidor: ConsumidorEventos<E, Buzon>,
    }

    fn escenario<E: EventoNotificable>(buzon: Buzon) -> Escenario<E> {
        let base = pruebas::sqlite();
        let buzon = Arc::new(buzon);
        let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()));
        Escenario {
            consumidor: ConsumidorEventos::new(uow, buzon.clone(), Arc::default()),
            buzon,
            _base: base,
        }
    }

    fn creada(id_cliente: Option<IdCliente>) -> EventoReservaCreada {
        let carga = ReservaCreadaPayload {
            id_reserva: Some(IdReserva::nuevo().to_string()),
            id_cliente: id_cliente.map(|id| id.to_string()),
            estado: Some("Pendiente".into()),
            fecha_creacion: Some(Utc::now().timestamp_millis()),
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
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let id_cliente = IdCliente::nuevo();
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
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let registro = creada(Some(IdCliente::nuevo()));

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
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let mut registro = creada(Some(IdCliente::nuevo()));
        registro.id = None;

        dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        assert_eq!(dado.buzon.enviadas().len(), 1);

        dado.consumidor.manejar(mensaje(&registro, "1:7:-1")).await;
        assert_eq!(dado.buzon.enviadas().len(), 2);
    }

    #[tokio::test]
    async fn bytes_that_are_not_the_record_are_dead_lettered() {
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let mut basura = mensaje(&creada(Some(IdCliente::nuevo())), "1:0:-1");
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
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let mut entrante = mensaje(&creada(Some(IdCliente::nuevo())), "1:0:-1");
        entrante.esquema_escritor = Some(Arc::from("{ no es un esquema"));

        let desenlace = dado.consumidor.manejar(entrante).await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
    }

    #[tokio::test]
    async fn an_event_lacking_its_reservation_is_dead_lettered() {
        let dado = escenario::<EventoReservaCreada>(Buzon::default());
        let mut registro = creada(Some(IdCliente::nuevo()));
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
        let dado = escenario::<EventoReservaCreada>(Buzon::default());

        let desenlace = dado
            .consumidor
            .manejar(mensaje(&creada(None), "1:0:-1"))
            .await;

        assert_eq!(desenlace, Desenlace::Procesado);
        assert!(dado.buzon.enviadas().is_empty());
    }

    #[tokio::test]
    async fn while_the_mail_service_is_down_the_message_is_retried_then_mailed_once() {
        let dado = escenario::<EventoReservaCreada>(Buzon::fallando(
            ErrorNotificador::NoDisponible("smtp caído".into()),
        ));
        let registro = creada(Some(IdCliente::nuevo()));

        let primero = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;
        let segundo = dado.consumidor.manejar(mensaje(&registro, "1:0:-1")).await;

        assert!(matches!(primero, Desenlace::Reintentar(_)), "{primero:?}");
        assert_eq!(segundo, Desenlace::Procesado);
        assert_eq!(dado.buzon.enviadas().len(), 1);
    }

    #[tokio::test]
    async fn a_mail_the_service_refuses_for_good_is_dead_lettered() {
        let dado = escenario::<EventoReservaCreada>(Buzon::fallando(ErrorNotificador::Rechazada(
            "buzón inexistente".into(),
        )));

        let desenlace = dado
            .consumidor
            .manejar(mensaje(&creada(Some(IdCliente::nuevo())), "1:0:-1"))
            .await;

        assert!(
            matches!(desenlace, Desenlace::Rechazado(_)),
            "{desenlace:?}"
        );
    }

    #[tokio::test]
    async fn a_paid_reservation_gets_the_mail_of_its_own_topic() {
        let dado = escenario::<EventoReservaPagada>(Buzon::default());
        let carga = ReservaPagadaPayload {
            id_reserva: Some(IdReserva::nuevo().to_string()),
            id_cliente: Some(IdCliente::nuevo().to_string()),
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

//! The consumer loop: receives the messages of one subscription in batches (what has
//! arrived by the time it is free), hands each to a handler, and acts on the outcome.
//! Processed messages are acknowledged (after the handler's commit: on SQLite the units of
//! a batch share one group commit); transient failures are negatively acknowledged after a
//! backoff so the broker redelivers them; permanent ones are published to the topic's
//! dead-letter topic (`<topic>-DLQ`) with the reason, then acknowledged, so one bad message
//! never blocks the rest. A message redelivered too often also ends in the dead-letter topic. Which of
//! those a message gets is decided in `acuse`; this module talks to the broker.

mod acuse;

use seedwork_dominio::ConCausas;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::{FutureExt, StreamExt};
use pulsar::consumer::{DeadLetterPolicy, Message};
use pulsar::producer::Message as MensajeSaliente;
use pulsar::{Consumer, ConsumerOptions, SubType, TokioExecutor};
use tracing::field::Empty;
use tracing::Instrument;

use self::acuse::{Acuse, Reintentos};
use crate::cliente::Broker;

/// The suffix of dead-letter topics.
pub const SUFIJO_DLQ: &str = "-DLQ";

/// A message as handlers see it.
#[derive(Debug, Clone)]
pub struct MensajeEntrante {
    pub topico: String,
    /// The broker's id of the message (ledger:entry:batch), stable across redeliveries.
    pub id_broker: String,
    pub carga: Vec<u8>,
    pub clave: Option<String>,
    pub propiedades: BTreeMap<String, String>,
    /// The writer's schema (`.avsc` text), fetched from the broker by the message's version.
    pub esquema_escritor: Option<Arc<str>>,
    /// How many times this consumer asked for it to be redelivered (the `pulsar` crate does
    /// not expose the broker's redelivery count).
    pub reintentos: u32,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Desenlace {
    /// Handled (or handled before): acknowledge it.
    Procesado,
    /// Could not be handled now (database unavailable…): redeliver it later.
    Reintentar(String),
    /// Can never be handled (does not decode, breaks a rule): dead-letter it.
    Rechazado(String),
}

#[async_trait]
pub trait ManejadorMensajes: Send + Sync + 'static {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace;
}

/// Names, on every log line of the message being handled from now on, its conversation
/// (`correlation_id`) and the reservation it is about, once the handler has read them from
/// the record. It records them on the current span: the consumer loop's, or a handler's
/// own span that declares those fields. Outside a consumer it does nothing.
pub fn anotar_mensaje(correlation_id: Option<&str>, id_reserva: Option<&str>) {
    let span = tracing::Span::current();
    if let Some(correlation_id) = correlation_id {
        span.record("correlation_id", correlation_id);
    }
    if let Some(id_reserva) = id_reserva {
        span.record("id_reserva", id_reserva);
    }
}

/// Where to consume from.
#[derive(Debug, Clone)]
pub struct Suscripcion {
    pub topico: String,
    pub nombre: String,
    /// Redeliveries after which the client moves a message to the dead-letter topic.
    pub entregas_maximas: usize,
    /// Notified once the subscription exists on the broker.
    pub aviso_listo: Option<Arc<tokio::sync::Notify>>,
    /// A new subscription starts at the earliest message the broker retains (a read model
    /// rebuilt from the events) instead of the next one published.
    pub desde_el_principio: bool,
}

impl Suscripcion {
    /// A Shared subscription: replicas of a service split the messages between them.
    pub fn compartida(topico: impl Into<String>, nombre: impl Into<String>) -> Self {
        Self {
            topico: topico.into(),
            nombre: nombre.into(),
            entregas_maximas: 10,
            aviso_listo: None,
            desde_el_principio: false,
        }
    }

    /// Starts a new subscription at the earliest retained message.
    pub fn desde_el_principio(mut self) -> Self {
        self.desde_el_principio = true;
        self
    }

    /// Notifies `aviso` once subscribed. A broker keeps a message only for the
    /// subscriptions that exist when it arrives (as Apache Pulsar without retention does),
    /// so a publisher of this process can wait for its own consumers first.
    pub fn con_aviso_de_listo(mut self, aviso: Arc<tokio::sync::Notify>) -> Self {
        self.aviso_listo = Some(aviso);
        self
    }

    pub fn topico_dlq(&self) -> String {
        format!("{}{SUFIJO_DLQ}", self.topico)
    }
}

/// Messages handled together at most: those already received when the consumer is free.
/// Their units of work run side by side (one group commit on SQLite), messages with the
/// same key (the same reservation) one after the other, in the order they arrived.
const LOTE: usize = 64;

const ESPERA_MINIMA: Duration = Duration::from_millis(100);
const ESPERA_MAXIMA: Duration = Duration::from_secs(5);

/// Consumes until `apagado` resolves. The batch in hand is always finished first: the
/// shutdown signal is only looked at between batches.
pub async fn consumir<M: ManejadorMensajes>(
    broker: Broker,
    suscripcion: Suscripcion,
    manejador: Arc<M>,
    apagado: impl Future<Output = ()>,
) {
    tokio::pin!(apagado);
    let mut espera = ESPERA_MINIMA;
    loop {
        let consumidor = tokio::select! {
            _ = &mut apagado => return,
            consumidor = suscribir(&broker, &suscripcion) => consumidor,
        };
        let mut consumidor = match consumidor {
            Ok(consumidor) => consumidor,
            Err(error) => {
                tracing::warn!(topico = %suscripcion.topico, error = %ConCausas(&error), "no se pudo suscribir; se reintentará");
                tokio::select! {
                    _ = &mut apagado => return,
                    _ = tokio::time::sleep(espera) => {}
                }
                espera = (espera * 2).min(ESPERA_MAXIMA);
                continue;
            }
        };
        espera = ESPERA_MINIMA;
        retener_muertos(&broker, &suscripcion).await;
        tracing::info!(topico = %suscripcion.topico, suscripcion = %suscripcion.nombre, "consumidor listo");
        // Shown as 0 from the start rather than absent until the first redelivery.
        metrics::counter!("aeroalpes_mensajes_reentregados_total", "suscripcion" => suscripcion.nombre.clone())
            .increment(0);
        if let Some(aviso) = &suscripcion.aviso_listo {
            aviso.notify_one();
        }
        let mut bucle = Bucle {
            broker: &broker,
            suscripcion: &suscripcion,
            esquemas: HashMap::new(),
            productor_dlq: None,
            reintentos: Reintentos::default(),
        };
        loop {
            let siguiente = tokio::select! {
                _ = &mut apagado => {
                    let _ = consumidor.close().await;
                    tracing::info!(topico = %suscripcion.topico, "consumidor detenido");
                    return;
                }
                siguiente = consumidor.next() => siguiente,
            };
            let mut lote = match siguiente {
                Some(Ok(mensaje)) => vec![mensaje],
                Some(Err(error)) => {
                    tracing::warn!(topico = %suscripcion.topico, error = %ConCausas(&error), "error al recibir; se vuelve a suscribir");
                    break;
                }
                None => break,
            };
            // What else has arrived joins it, without waiting for more.
            let mut cortado = false;
            while lote.len() < LOTE {
                match consumidor.next().now_or_never() {
                    Some(Some(Ok(mensaje))) => lote.push(mensaje),
                    Some(Some(Err(error))) => {
                        tracing::warn!(topico = %suscripcion.topico, error = %ConCausas(&error), "error al recibir; se vuelve a suscribir");
                        cortado = true;
                        break;
                    }
                    Some(None) => {
                        cortado = true;
                        break;
                    }
                    None => break,
                }
            }
            bucle
                .atender(&mut consumidor, manejador.as_ref(), lote)
                .await;
            if cortado {
                break;
            }
        }
    }
}

/// The durable subscription that keeps a consumer's dead letters: `<suscripción>-DLQ` on
/// `<tópico>-DLQ`, created before any message is dead-lettered, so that they are kept as
/// its backlog (visible as `pulsar_msg_backlog`) whatever the broker's retention, until
/// `scripts/dlq.py` lists and replays them. Nothing consumes it otherwise.
pub fn suscripcion_dlq(suscripcion: &Suscripcion) -> String {
    format!("{}{SUFIJO_DLQ}", suscripcion.nombre)
}

async fn retener_muertos(broker: &Broker, suscripcion: &Suscripcion) {
    let creada = broker
        .consumer()
        .with_topic(suscripcion.topico_dlq())
        .with_subscription(suscripcion_dlq(suscripcion))
        .with_subscription_type(SubType::Shared)
        .with_options(
            ConsumerOptions::default()
                .durable(true)
                .with_initial_position(pulsar::consumer::InitialPosition::Earliest),
        )
        .build::<Vec<u8>>()
        .await;
    match creada {
        Ok(mut consumidor) => {
            let _ = consumidor.close().await;
        }
        // The consumer works without it; dead letters are then kept as the broker's
        // retention says.
        Err(error) => {
            tracing::warn!(topico = %suscripcion.topico_dlq(), error = %ConCausas(&error), "no se pudo crear la suscripción que retiene los mensajes muertos")
        }
    }
}

async fn suscribir(
    broker: &Broker,
    suscripcion: &Suscripcion,
) -> Result<Consumer<Vec<u8>, TokioExecutor>, pulsar::Error> {
    broker
        .consumer()
        .with_topic(&suscripcion.topico)
        .with_subscription(&suscripcion.nombre)
        .with_subscription_type(SubType::Shared)
        .with_options(
            ConsumerOptions::default()
                .durable(true)
                .with_initial_position(if suscripcion.desde_el_principio {
                    pulsar::consumer::InitialPosition::Earliest
                } else {
                    pulsar::consumer::InitialPosition::Latest
                }),
        )
        .with_dead_letter_policy(DeadLetterPolicy {
            max_redeliver_count: suscripcion.entregas_maximas,
            dead_letter_topic: suscripcion.topico_dlq(),
        })
        .with_unacked_message_resend_delay(Some(Duration::from_secs(30)))
        .build()
        .await
}

struct Bucle<'a> {
    broker: &'a Broker,
    suscripcion: &'a Suscripcion,
    /// Writer schemas already fetched, by version.
    esquemas: HashMap<Vec<u8>, Arc<str>>,
    productor_dlq: Option<pulsar::Producer<TokioExecutor>>,
    /// Retries asked per message, for the backoff.
    reintentos: Reintentos,
}

/// A message of a batch, as the broker gave it and as its handler sees it, with the span
/// that names it on every line logged about it.
struct EnCurso {
    mensaje: Message<Vec<u8>>,
    entrante: MensajeEntrante,
    span: tracing::Span,
}

impl Bucle<'_> {
    /// Handles a batch: messages with the same key in order, the others side by side; then
    /// tells the broker what became of each.
    async fn atender<M: ManejadorMensajes>(
        &mut self,
        consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
        manejador: &M,
        mensajes: Vec<Message<Vec<u8>>>,
    ) {
        metrics::histogram!("aeroalpes_consumidor_lote_mensajes", "suscripcion" => self.suscripcion.nombre.clone())
            .record(mensajes.len() as f64);
        let mut lote = Vec::with_capacity(mensajes.len());
        for mensaje in mensajes {
            let entrante = self.entrante(consumidor, &mensaje).await;
            // Every line logged while this message is handled names it; the handler adds
            // the conversation and the reservation once it has decoded them
            // (`anotar_mensaje`).
            let span = tracing::info_span!(
                "mensaje",
                suscripcion = %self.suscripcion.nombre,
                id = %entrante.id_broker,
                correlation_id = Empty,
                id_reserva = Empty
            );
            lote.push(EnCurso {
                mensaje,
                entrante,
                span,
            });
        }
        let a_manejar = lote
            .iter()
            .map(|en_curso| (en_curso.entrante.clone(), en_curso.span.clone()))
            .collect();
        let desenlaces = manejar_lote(manejador, a_manejar, &self.suscripcion.nombre).await;
        let mut reintentar = Vec::new();
        for (en_curso, desenlace) in lote.into_iter().zip(desenlaces) {
            let span = en_curso.span.clone();
            if let Some(espera) = self
                .acusar(consumidor, &en_curso, desenlace)
                .instrument(span)
                .await
            {
                reintentar.push((en_curso, espera));
            }
        }
        // Those to retry wait once for the batch, so that an outage is not hammered, then
        // go back to the broker.
        if let Some(espera) = reintentar.iter().map(|(_, espera)| *espera).max() {
            tokio::time::sleep(espera).await;
        }
        for (en_curso, _) in reintentar {
            if let Err(error) = consumidor.nack(&en_curso.mensaje).await {
                let _guard = en_curso.span.enter();
                tracing::warn!(topico = %self.suscripcion.topico, error = %ConCausas(&error), "no se pudo pedir que se reentregue el mensaje");
            }
        }
    }

    /// Acknowledges or dead-letters a handled message; answers the wait before asking for a
    /// message to retry again.
    async fn acusar(
        &mut self,
        consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
        en_curso: &EnCurso,
        desenlace: Desenlace,
    ) -> Option<Duration> {
        let EnCurso {
            mensaje, entrante, ..
        } = en_curso;
        let id = &entrante.id_broker;
        let entregas = entrante.reintentos;
        self.reintentos.anotar(id, &desenlace);
        let acuse = Acuse::de(desenlace, entregas);
        let resultado = match &acuse {
            Acuse::Confirmar => "procesado",
            Acuse::Reintentar { .. } => "reintentar",
            Acuse::AColaDeMuertos { .. } => "dead_letter",
        };
        metrics::counter!("aeroalpes_mensajes_manejados_total", "suscripcion" => self.suscripcion.nombre.clone(), "resultado" => resultado)
            .increment(1);
        let resultado = match acuse {
            Acuse::Confirmar => consumidor.ack(mensaje).await,
            Acuse::Reintentar { razon, espera } => {
                tracing::warn!(topico = %self.suscripcion.topico, entregas, razon = %razon, "mensaje no procesado; se reintentará");
                return Some(espera);
            }
            Acuse::AColaDeMuertos { razon } => {
                tracing::warn!(topico = %self.suscripcion.topico, razon = %razon, "mensaje rechazado: va a la cola de mensajes muertos");
                match self.a_dlq(entrante, &razon).await {
                    Ok(()) => consumidor.ack(mensaje).await,
                    Err(error) => {
                        tracing::error!(error = %ConCausas(&error), "no se pudo publicar en la cola de mensajes muertos; se reintentará");
                        consumidor.nack(mensaje).await
                    }
                }
            }
        };
        if let Err(error) = resultado {
            // The broker will redeliver an unacknowledged message; handlers are idempotent.
            tracing::warn!(topico = %self.suscripcion.topico, error = %ConCausas(&error), "no se pudo confirmar el mensaje");
        }
        None
    }

    async fn entrante(
        &mut self,
        consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
        mensaje: &Message<Vec<u8>>,
    ) -> MensajeEntrante {
        let metadatos = mensaje.metadata();
        let esquema_escritor = match &metadatos.schema_version {
            Some(version) => self.esquema(consumidor, &mensaje.topic, version).await,
            None => None,
        };
        MensajeEntrante {
            topico: mensaje.topic.clone(),
            id_broker: id_broker(mensaje),
            carga: mensaje.payload.data.clone(),
            clave: mensaje.key(),
            propiedades: metadatos
                .properties
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect(),
            esquema_escritor,
            reintentos: self.reintentos.de(&id_broker(mensaje)),
        }
    }

    async fn esquema(
        &mut self,
        consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
        topico: &str,
        version: &[u8],
    ) -> Option<Arc<str>> {
        if let Some(esquema) = self.esquemas.get(version) {
            return Some(esquema.clone());
        }
        match consumidor.get_schema(topico, Some(version.to_vec())).await {
            Ok(Some(esquema)) => {
                let texto: Arc<str> = String::from_utf8_lossy(&esquema.schema_data).into();
                self.esquemas.insert(version.to_vec(), texto.clone());
                Some(texto)
            }
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(topico, error = %ConCausas(&error), "no se pudo obtener el esquema del productor");
                None
            }
        }
    }

    async fn a_dlq(&mut self, mensaje: &MensajeEntrante, razon: &str) -> Result<(), pulsar::Error> {
        if self.productor_dlq.is_none() {
            let productor = self
                .broker
                .producer()
                .with_topic(self.suscripcion.topico_dlq())
                .build()
                .await?;
            self.productor_dlq = Some(productor);
        }
        let mut propiedades: HashMap<String, String> =
            mensaje.propiedades.clone().into_iter().collect();
        propiedades.insert("razon".into(), razon.to_owned());
        propiedades.insert("topico_original".into(), mensaje.topico.clone());
        propiedades.insert("id_original".into(), mensaje.id_broker.clone());
        propiedades.insert("suscripcion".into(), self.suscripcion.nombre.clone());
        let salida = MensajeSaliente {
            payload: mensaje.carga.clone(),
            properties: propiedades,
            partition_key: mensaje.clave.clone(),
            ..Default::default()
        };
        if let Some(productor) = self.productor_dlq.as_mut() {
            productor.send_non_blocking(salida).await?.await?;
        }
        Ok(())
    }
}

/// Hands each message of `lote` to the handler, inside its span: those with the same key
/// one after the other in the order they arrived (the messages of one reservation keep
/// their order), the rest side by side. Answers the outcomes in the batch's order.
async fn manejar_lote<M: ManejadorMensajes>(
    manejador: &M,
    lote: Vec<(MensajeEntrante, tracing::Span)>,
    suscripcion: &str,
) -> Vec<Desenlace> {
    let mut cadenas: Vec<Vec<(usize, MensajeEntrante, tracing::Span)>> = Vec::new();
    let mut por_clave: HashMap<String, usize> = HashMap::new();
    for (indice, (entrante, span)) in lote.into_iter().enumerate() {
        let cadena = match entrante.clave.clone() {
            Some(clave) => *por_clave.entry(clave).or_insert_with(|| {
                cadenas.push(Vec::new());
                cadenas.len() - 1
            }),
            None => {
                cadenas.push(Vec::new());
                cadenas.len() - 1
            }
        };
        cadenas[cadena].push((indice, entrante, span));
    }
    let manejadas = futures::future::join_all(cadenas.into_iter().map(|cadena| async move {
        let mut desenlaces = Vec::with_capacity(cadena.len());
        for (indice, entrante, span) in cadena {
            let desenlace = manejar_uno(manejador, entrante, suscripcion)
                .instrument(span)
                .await;
            desenlaces.push((indice, desenlace));
        }
        desenlaces
    }))
    .await;
    let mut desenlaces: Vec<(usize, Desenlace)> = manejadas.into_iter().flatten().collect();
    desenlaces.sort_unstable_by_key(|(indice, _)| *indice);
    desenlaces
        .into_iter()
        .map(|(_, desenlace)| desenlace)
        .collect()
}

async fn manejar_uno<M: ManejadorMensajes>(
    manejador: &M,
    entrante: MensajeEntrante,
    suscripcion: &str,
) -> Desenlace {
    if entrante.reintentos > 0 {
        metrics::counter!("aeroalpes_mensajes_reentregados_total", "suscripcion" => suscripcion.to_owned())
            .increment(1);
    }
    let inicio = Instant::now();
    let desenlace = manejador.manejar(entrante).await;
    metrics::histogram!("aeroalpes_mensaje_duracion_segundos", "suscripcion" => suscripcion.to_owned())
        .record(inicio.elapsed().as_secs_f64());
    desenlace
}

fn id_broker(mensaje: &Message<Vec<u8>>) -> String {
    let id = mensaje.message_id();
    format!(
        "{}:{}:{}",
        id.ledger_id,
        id.entry_id,
        id.batch_index.unwrap_or(-1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records when each message starts and ends; each takes 10 ms (of paused time).
    #[derive(Default)]
    struct Registro(Mutex<Vec<String>>);

    #[async_trait]
    impl ManejadorMensajes for Registro {
        async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
            let id = mensaje.id_broker.clone();
            self.0.lock().unwrap().push(format!("+{id}"));
            tokio::time::sleep(Duration::from_millis(10)).await;
            self.0.lock().unwrap().push(format!("-{id}"));
            if id == "veneno" {
                Desenlace::Rechazado("no se puede leer".into())
            } else {
                Desenlace::Procesado
            }
        }
    }

    fn mensaje(id: &str, clave: Option<&str>) -> (MensajeEntrante, tracing::Span) {
        let entrante = MensajeEntrante {
            topico: "t".into(),
            id_broker: id.into(),
            carga: Vec::new(),
            clave: clave.map(str::to_owned),
            propiedades: BTreeMap::new(),
            esquema_escritor: None,
            reintentos: 0,
        };
        (entrante, tracing::Span::none())
    }

    fn posicion(eventos: &[String], evento: &str) -> usize {
        eventos.iter().position(|e| e == evento).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn messages_of_one_key_are_handled_in_order_and_other_keys_side_by_side() {
        let registro = Registro::default();
        let lote = vec![
            mensaje("a1", Some("A")),
            mensaje("b1", Some("B")),
            mensaje("a2", Some("A")),
            mensaje("veneno", Some("C")),
            mensaje("a3", Some("A")),
            mensaje("sin-clave", None),
        ];

        let desenlaces = manejar_lote(&registro, lote, "s").await;

        assert_eq!(
            desenlaces,
            [
                Desenlace::Procesado,
                Desenlace::Procesado,
                Desenlace::Procesado,
                Desenlace::Rechazado("no se puede leer".into()),
                Desenlace::Procesado,
                Desenlace::Procesado,
            ],
            "one outcome per message, in the batch's order"
        );
        let eventos = registro.0.lock().unwrap().clone();
        // A's messages one after the other, in the order they arrived.
        assert!(posicion(&eventos, "-a1") < posicion(&eventos, "+a2"));
        assert!(posicion(&eventos, "-a2") < posicion(&eventos, "+a3"));
        // The other keys did not wait for A: they all started before A's first ended.
        for otro in ["+b1", "+veneno", "+sin-clave"] {
            assert!(
                posicion(&eventos, otro) < posicion(&eventos, "-a1"),
                "{eventos:?}"
            );
        }
    }
}

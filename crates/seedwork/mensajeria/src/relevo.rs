//! The outbox relay: publishes the rows units of work wrote to the outbox, oldest first,
//! and marks each published only after the broker's receipt. While the broker is down it
//! retries with backoff; nothing is lost, and a row is published at least once.
//!
//! On PostgreSQL the rows are claimed with `FOR UPDATE SKIP LOCKED` inside a transaction
//! held while they are published, so several aeroalpes replicas never publish the same row
//! twice; on SQLite (one process) they are read, published, then marked. Those strategies
//! belong to the outbox ([`seedwork_persistencia::outbox::Reclamo`]); this module publishes
//! what a claim holds.
//!
//! Producer names are left to the broker: the `pulsar` crate numbers each producer's
//! messages from 0 and cannot be told to start elsewhere, so a name reused by a restarted
//! process would make a deduplicating broker drop its first messages. The broker still
//! deduplicates the client's own re-sends within a producer's life, and every envelope
//! carries the outbox row's message id, which consumers record in their inbox.

use seedwork_dominio::ConCausas;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pulsar::message::proto::{schema, Schema};
use pulsar::producer::{Message, ProducerOptions};
use pulsar::{Producer, TokioExecutor};
use seedwork_dominio::ErrorPersistencia;
use seedwork_persistencia::outbox::{self, FilaOutbox, Reclamo};
use seedwork_persistencia::UnidadTrabajoDiesel;
use tokio::sync::Notify;

use crate::cliente::Broker;

/// The message property that carries the outbox sequence of a published row.
pub const PROPIEDAD_SECUENCIA: &str = "outbox_secuencia";
/// The message property that carries the record type.
pub const PROPIEDAD_TIPO: &str = "tipo";

const LOTE: i64 = 256;
/// The backoff between failed batches: at most a second, so that a backlog waits at most
/// that long once the broker answers again.
const ESPERA_MINIMA: Duration = Duration::from_millis(100);
const ESPERA_MAXIMA: Duration = Duration::from_secs(1);
/// How often the relay looks even when no commit woke it (rows of another replica, or a
/// wake-up missed while it was publishing).
const SONDEO: Duration = Duration::from_millis(500);
/// How long published rows are kept by default, and how often the relay deletes older ones.
const RETENCION: Duration = Duration::from_secs(3600);
const PURGA_CADA: Duration = Duration::from_secs(60);
/// How long a batch may wait for the broker's receipts before the broker counts as lost.
const PLAZO_RECIBOS: Duration = Duration::from_secs(5);
/// Consecutive failed batches after which the producers are made anew.
const FALLOS_ANTES_DE_RECREAR: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ErrorRelevo {
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
    #[error("el broker no aceptó el mensaje: {0}")]
    Broker(#[from] pulsar::Error),
    #[error("no hay esquema registrado para el tipo {0}")]
    SinEsquema(String),
}

pub struct RelevoOutbox {
    uow: UnidadTrabajoDiesel,
    broker: Broker,
    /// The Avro schema (`.avsc` text) of each record type, set on its topic's producer.
    esquemas: Arc<HashMap<String, String>>,
    productores: HashMap<String, Producer<TokioExecutor>>,
    aviso: Arc<Notify>,
    /// How long published rows are kept (for diagnostics) before they are deleted.
    retencion: Duration,
    ultima_purga: tokio::time::Instant,
    /// Whether the broker took the last batch (see [`RelevoOutbox::con_estado_broker`]).
    broker_conectado: Arc<AtomicBool>,
}

impl RelevoOutbox {
    /// `aviso` is the notifier the unit of work wakes after commits that wrote the outbox.
    pub fn new(
        uow: UnidadTrabajoDiesel,
        broker: Broker,
        esquemas: HashMap<String, String>,
        aviso: Arc<Notify>,
    ) -> Self {
        Self {
            uow,
            broker,
            esquemas: Arc::new(esquemas),
            productores: HashMap::new(),
            aviso,
            retencion: RETENCION,
            ultima_purga: tokio::time::Instant::now(),
            broker_conectado: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Reports the broker's state in `conectado`: `false` once a batch fails with a broker
    /// error or waits for its receipts longer than 5 s, `true` again once rows are
    /// published. A batch with nothing to publish says
    /// nothing about the broker and leaves it as it was.
    pub fn con_estado_broker(mut self, conectado: Arc<AtomicBool>) -> Self {
        self.broker_conectado = conectado;
        self
    }

    /// Keeps published rows for `retencion` instead of the default hour.
    pub fn con_retencion(mut self, retencion: Duration) -> Self {
        self.retencion = retencion;
        self
    }

    /// Deletes the rows published longer than the retention ago; answers how many. Unpublished
    /// rows are never touched.
    pub async fn purgar_publicadas(&self) -> Result<usize, ErrorRelevo> {
        let limite = chrono::Utc::now().naive_utc()
            - chrono::TimeDelta::from_std(self.retencion).unwrap_or(chrono::TimeDelta::MAX);
        let uow = self.uow.clone();
        bloqueante(move || outbox::purgar_publicadas(&uow, limite)).await
    }

    /// Purges now and then: the outbox would otherwise grow with every message ever sent.
    async fn purgar_si_toca(&mut self) {
        if self.ultima_purga.elapsed() < PURGA_CADA {
            return;
        }
        self.ultima_purga = tokio::time::Instant::now();
        match self.purgar_publicadas().await {
            Ok(0) => {}
            Ok(borradas) => tracing::debug!(borradas, "filas publicadas del outbox purgadas"),
            Err(error) => tracing::warn!(error = %ConCausas(&error), "no se pudo purgar el outbox"),
        }
    }

    /// Publishes until `apagado` resolves; returns after the batch in hand is done.
    pub async fn ejecutar(mut self, apagado: impl Future<Output = ()>) {
        tokio::pin!(apagado);
        // Shown as 0 from the start rather than absent until the first publication.
        metrics::counter!("aeroalpes_relay_publicados_total").increment(0);
        metrics::counter!("aeroalpes_relay_fallos_total").increment(0);
        let mut espera = ESPERA_MINIMA;
        let mut fallos_seguidos = 0u32;
        let conectado = self.broker_conectado.clone();
        loop {
            let pausa = match self.publicar_lote_vigilado().await {
                Ok(publicadas) => {
                    if publicadas > 0 {
                        conectado.store(true, Ordering::Relaxed);
                    }
                    espera = ESPERA_MINIMA;
                    fallos_seguidos = 0;
                    // A full batch: there may be more waiting.
                    if publicadas as i64 == LOTE {
                        continue;
                    }
                    self.purgar_si_toca().await;
                    SONDEO
                }
                Err(error) => {
                    metrics::counter!("aeroalpes_relay_fallos_total").increment(1);
                    if matches!(error, ErrorRelevo::Broker(_)) {
                        conectado.store(false, Ordering::Relaxed);
                    }
                    tracing::warn!(error = %ConCausas(&error), reintento_en_ms = espera.as_millis() as u64, "relevo del outbox: se reintentará");
                    fallos_seguidos += 1;
                    // Producers reconnect by themselves after a broker restart, and keeping
                    // them keeps the broker's deduplication of their re-sends. Only a
                    // producer that keeps failing is replaced.
                    if fallos_seguidos.is_multiple_of(FALLOS_ANTES_DE_RECREAR) {
                        self.productores.clear();
                    }
                    let pausa = espera;
                    espera = (espera * 2).min(ESPERA_MAXIMA);
                    pausa
                }
            };
            tokio::select! {
                _ = &mut apagado => break,
                _ = self.aviso.notified() => {}
                _ = tokio::time::sleep(pausa) => {}
            }
        }
        tracing::info!("relevo del outbox detenido");
    }

    /// [`Self::publicar_lote`], reporting the broker lost when the batch waits too long: a
    /// lost broker seldom fails a send, the client waits to reconnect.
    async fn publicar_lote_vigilado(&mut self) -> Result<usize, ErrorRelevo> {
        let conectado = self.broker_conectado.clone();
        let lote = self.publicar_lote();
        tokio::pin!(lote);
        tokio::select! {
            resultado = &mut lote => resultado,
            _ = tokio::time::sleep(PLAZO_RECIBOS) => {
                conectado.store(false, Ordering::Relaxed);
                lote.await
            }
        }
    }

    /// Claims, publishes and marks one batch; answers how many rows were published.
    pub async fn publicar_lote(&mut self) -> Result<usize, ErrorRelevo> {
        let uow = self.uow.clone();
        let reclamo = bloqueante(move || Reclamo::reclamar(&uow, LOTE)).await?;
        let (publicadas, fallo) = self.publicar(reclamo.filas()).await;
        let cuantas = publicadas.len();
        bloqueante(move || reclamo.cerrar(&publicadas)).await?;
        metrics::counter!("aeroalpes_relay_publicados_total").increment(cuantas as u64);
        match fallo {
            Some(error) => Err(error),
            None => Ok(cuantas),
        }
    }

    /// Sends the rows in order and waits for the receipts. Answers the sequences of the
    /// longest published prefix (so a topic's rows never overtake each other) and the
    /// first failure, if any.
    async fn publicar(&mut self, filas: &[FilaOutbox]) -> (Vec<i64>, Option<ErrorRelevo>) {
        let mut recibos = Vec::with_capacity(filas.len());
        let mut fallo = None;
        for fila in filas {
            match self.enviar(fila).await {
                Ok(recibo) => recibos.push((fila.secuencia, recibo)),
                Err(error) => {
                    fallo = Some(error);
                    break;
                }
            }
        }
        let mut publicadas = Vec::with_capacity(recibos.len());
        for (secuencia, recibo) in recibos {
            if fallo.is_some() {
                // Already failed earlier: later receipts cannot extend the prefix.
                let _ = recibo.await;
                continue;
            }
            match recibo.await {
                Ok(_) => publicadas.push(secuencia),
                Err(error) => fallo = Some(error.into()),
            }
        }
        (publicadas, fallo)
    }

    async fn enviar(
        &mut self,
        fila: &FilaOutbox,
    ) -> Result<pulsar::producer::SendFuture, ErrorRelevo> {
        let productor = self.productor(&fila.topico, &fila.tipo).await?;
        let mut propiedades: HashMap<String, String> =
            serde_json::from_str::<BTreeMap<String, String>>(&fila.propiedades)
                .unwrap_or_default()
                .into_iter()
                .collect();
        propiedades.insert(PROPIEDAD_SECUENCIA.into(), fila.secuencia.to_string());
        propiedades.insert(PROPIEDAD_TIPO.into(), fila.tipo.clone());
        let mensaje = Message {
            payload: fila.carga.clone(),
            properties: propiedades,
            partition_key: fila.clave.clone(),
            event_time: Some(fila.fecha_creacion.and_utc().timestamp_millis() as u64),
            ..Default::default()
        };
        Ok(productor.send_non_blocking(mensaje).await?)
    }

    async fn productor(
        &mut self,
        topico: &str,
        tipo: &str,
    ) -> Result<&mut Producer<TokioExecutor>, ErrorRelevo> {
        if !self.productores.contains_key(topico) {
            let avsc = self
                .esquemas
                .get(tipo)
                .ok_or_else(|| ErrorRelevo::SinEsquema(tipo.to_owned()))?;
            let productor = self
                .broker
                .producer()
                .with_topic(topico)
                .with_options(ProducerOptions {
                    schema: Some(Schema {
                        name: tipo.to_owned(),
                        schema_data: avsc.as_bytes().to_vec(),
                        r#type: schema::Type::Avro as i32,
                        properties: Vec::new(),
                    }),
                    // A full batch outruns the client's send queue: wait for room rather
                    // than fail the batch with SlowDown.
                    block_queue_if_full: true,
                    ..Default::default()
                })
                .build()
                .await?;
            tracing::info!(topico, tipo, "productor del outbox listo");
            self.productores.insert(topico.to_owned(), productor);
        }
        // Inserted just above when missing.
        self.productores
            .get_mut(topico)
            .ok_or_else(|| ErrorRelevo::SinEsquema(tipo.to_owned()))
    }
}

async fn bloqueante<R: Send + 'static>(
    trabajo: impl FnOnce() -> Result<R, ErrorPersistencia> + Send + 'static,
) -> Result<R, ErrorRelevo> {
    // Bounded: a database that stops answering makes the relay retry (and lets it stop),
    // it does not hold it.
    seedwork_persistencia::en_hilo_acotado(seedwork_persistencia::ESPERA_TRABAJO, trabajo)
        .await?
        .map_err(ErrorRelevo::from)
}

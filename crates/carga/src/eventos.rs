//! Listens to `eventos-reserva` and notes when each reservation's `EventoReservaCreada`
//! arrives, to measure the asynchronous route end to end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use pulsar::{ConsumerOptions, Pulsar, SubType, TokioExecutor};
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};

use crate::estadisticas::Muestras;

/// When each reservation's event arrived, by reservation id.
#[derive(Clone, Default)]
pub struct Llegadas(Arc<Mutex<HashMap<String, Instant>>>);

impl Llegadas {
    /// Subscribes (from now on) and records arrivals in the background.
    pub async fn escuchar(broker: &str) -> anyhow::Result<Self> {
        let cliente: Pulsar<TokioExecutor> = Pulsar::builder(broker, TokioExecutor).build().await?;
        let mut consumidor: pulsar::Consumer<Vec<u8>, TokioExecutor> = cliente
            .consumer()
            .with_topic(EventoReservaCreada::TOPICO)
            .with_subscription(format!("carga-{}", std::process::id()))
            .with_subscription_type(SubType::Exclusive)
            .with_options(
                ConsumerOptions::default()
                    .durable(false)
                    .with_initial_position(InitialPosition::Latest),
            )
            .build()
            .await?;
        let llegadas = Self::default();
        let registro = llegadas.clone();
        tokio::spawn(async move {
            while let Some(Ok(mensaje)) = consumidor.next().await {
                let ahora = Instant::now();
                let _ = consumidor.ack(&mensaje).await;
                let id = EventoReservaCreada::decodificar(&mensaje.payload.data, None)
                    .ok()
                    .and_then(|e| e.a_notificacion().ok())
                    .map(|n| n.id_reserva.to_string());
                if let Some(id) = id {
                    registro
                        .0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, ahora);
                }
            }
        });
        Ok(llegadas)
    }

    /// Waits until every accepted reservation's event arrived (or the deadline passes) and
    /// answers the POST-to-event latencies; a missing event counts as an error.
    pub async fn esperar(&self, enviadas: &Muestras, plazo: Duration) -> Muestras {
        let limite = Instant::now() + plazo;
        loop {
            let faltan = {
                let llegadas = self.0.lock().unwrap_or_else(|e| e.into_inner());
                enviadas
                    .ids()
                    .filter(|(id, _)| !llegadas.contains_key(*id))
                    .count()
            };
            if faltan == 0 || Instant::now() > limite {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let llegadas = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut muestras = Muestras::default();
        for (id, salida) in enviadas.ids() {
            match llegadas.get(id) {
                Some(llegada) => muestras.registrar(
                    salida,
                    llegada.saturating_duration_since(salida),
                    Some(id.to_owned()),
                ),
                None => muestras.registrar(salida, Duration::ZERO, None),
            }
        }
        muestras.errores += enviadas.errores;
        muestras
    }
}

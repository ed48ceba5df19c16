//! The handler of the reservation event topics: decodes each record with the contract's
//! decoder and hands it to the router, which queues it for the sessions that wait for its
//! reservation. It never waits on a session.

use std::sync::Arc;

use async_trait::async_trait;
use seedwork_dominio::con_causas;
use seedwork_mensajeria::{anotar_mensaje, Desenlace, ManejadorMensajes, MensajeEntrante};
use uuid::Uuid;
use vuelos_contrato::Decodificador;

use crate::enrutador::Enrutador;
use crate::protocolo::Salida;

/// Routes every event of the contract to the sessions of this process.
pub struct ConsumidorEventos {
    enrutador: Arc<Enrutador>,
    decodificador: Decodificador,
}

impl ConsumidorEventos {
    pub fn new(enrutador: Arc<Enrutador>) -> Self {
        Self {
            enrutador,
            decodificador: Decodificador::new(),
        }
    }

    /// The reservation of the event, and what its sessions are told.
    fn leer(&self, mensaje: &MensajeEntrante) -> Result<(Uuid, Salida), String> {
        let evento = self
            .decodificador
            .evento(
                &mensaje.topico,
                &mensaje.carga,
                mensaje.esquema_escritor.as_deref(),
            )
            .ok_or_else(|| format!("el tópico {} no lleva eventos de reservas", mensaje.topico))?
            .map_err(|e| con_causas(&e))?;
        anotar_mensaje(evento.correlation_id(), None);
        let notificacion = evento.a_notificacion().map_err(|e| con_causas(&e))?;
        Ok((
            notificacion.id_reserva,
            Salida::evento(evento.tipo_evento(), &notificacion),
        ))
    }
}

#[async_trait]
impl ManejadorMensajes for ConsumidorEventos {
    #[tracing::instrument(
        name = "evento_ui",
        skip_all,
        fields(
            topico = %mensaje.topico,
            id_broker = %mensaje.id_broker,
            correlation_id = tracing::field::Empty
        )
    )]
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        match self.leer(&mensaje) {
            Ok((id, salida)) => {
                let entrega = self.enrutador.entregar(id, salida);
                metrics::counter!("aeroalpes_ui_eventos_enviados_total")
                    .increment(entrega.entregadas as u64);
                tracing::debug!(
                    id_reserva = %id,
                    entregadas = entrega.entregadas,
                    expulsadas = entrega.expulsadas,
                    "evento enrutado"
                );
            }
            // The page only shows events: one it cannot read is acknowledged and logged,
            // not dead-lettered, since this subscription is a view of the topic and the
            // services that own the message dead-letter it themselves.
            Err(razon) => tracing::warn!(%razon, "evento ilegible: se descarta"),
        }
        Desenlace::Procesado
    }
}

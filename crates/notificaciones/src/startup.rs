//! The composition root of the notification service: the one place that opens the inbox
//! database, connects to the broker and wires a consumer loop per event topic to the
//! handlers and the notifier.

use seedwork_dominio::ConCausas;
use std::future::Future;
use std::sync::Arc;

use seedwork_mensajeria::barrendero;
use seedwork_mensajeria::{conectar, consumir, metricas, Broker, Suscripcion};
use seedwork_persistencia::barrido::{self, Barrido};
use seedwork_persistencia::{
    BaseDatos, ErrorConfiguracionBaseDatos, Inbox, ManejadoresEventos, Migraciones,
    UnidadTrabajoDiesel,
};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use vuelos_contrato::EventoVuelos;

use crate::configuracion::Configuracion;
use crate::consumidor::{ConsumidorEventos, SUSCRIPCION};
use crate::notificador::Notificador;
use crate::notificador_log::NotificadorLog;

/// The tables of the service: the seedwork's inbox (and outbox), none of the modules'.
pub const MIGRACIONES: [Migraciones; 1] = [seedwork_persistencia::MIGRACIONES];

#[derive(Debug, thiserror::Error)]
pub enum ErrorArranque {
    #[error(transparent)]
    BaseDatos(#[from] ErrorConfiguracionBaseDatos),
    #[error("no se pudo abrir la base de datos: {0}")]
    Tarea(String),
    #[error("no se pudo conectar al broker {url}: {causa}")]
    Broker { url: String, causa: String },
    #[error("no se pudo escuchar en el puerto de métricas {puerto} (NOTIFICACIONES_METRICS_PORT lo cambia): {causa}")]
    PuertoMetricas { puerto: u16, causa: std::io::Error },
}

/// Why the service stopped without being told to.
#[derive(Debug, thiserror::Error)]
pub enum ErrorEjecucion {
    #[error("un consumidor se detuvo antes de tiempo: {0}")]
    ConsumidorDetenido(String),
}

/// The service, connected and ready to consume.
pub struct Aplicacion {
    broker: Broker,
    uow: UnidadTrabajoDiesel,
    metricas: TcpListener,
    retencion_inbox: chrono::TimeDelta,
}

impl Aplicacion {
    /// Opens the inbox database (applying its migrations) and connects to the broker,
    /// waiting for it while it is not reachable yet: the service may start first.
    pub async fn construir(configuracion: &Configuracion) -> Result<Self, ErrorArranque> {
        metricas::registro();
        let puerto = configuracion.puerto_metricas;
        let metricas = TcpListener::bind(("0.0.0.0", puerto))
            .await
            .map_err(|causa| ErrorArranque::PuertoMetricas { puerto, causa })?;
        let base = abrir_base_datos(&configuracion.url_base_datos).await?;
        let uow = UnidadTrabajoDiesel::new(base, Arc::new(ManejadoresEventos::new()));
        let broker =
            conectar(&configuracion.url_broker)
                .await
                .map_err(|e| ErrorArranque::Broker {
                    url: configuracion.url_broker.clone(),
                    causa: e.to_string(),
                })?;
        tracing::info!(broker = %configuracion.url_broker, "conectado al broker");
        Ok(Self {
            broker,
            uow,
            metricas,
            retencion_inbox: configuracion.retencion_inbox,
        })
    }

    /// The port `GET /metrics` answers on.
    pub fn puerto_metricas(&self) -> u16 {
        self.metricas
            .local_addr()
            .map_or(0, |direccion| direccion.port())
    }

    /// Consumes every event topic, mailing through the log, until `apagado` resolves;
    /// then lets each loop finish the message in hand and returns.
    pub async fn ejecutar_hasta(
        self,
        apagado: impl Future<Output = ()>,
    ) -> Result<(), ErrorEjecucion> {
        self.ejecutar_con(Arc::new(NotificadorLog), apagado).await
    }

    /// [`Self::ejecutar_hasta`] with any notifier.
    pub async fn ejecutar_con<N: Notificador>(
        self,
        notificador: Arc<N>,
        apagado: impl Future<Output = ()>,
    ) -> Result<(), ErrorEjecucion> {
        let detener = CancellationToken::new();
        let manejador = Arc::new(ConsumidorEventos::new(
            Inbox::new(self.uow.clone()),
            notificador,
        ));
        let mut bucles = JoinSet::new();
        tokio::spawn(metricas::servir(
            self.metricas,
            detener.clone().cancelled_owned(),
        ));
        // The inbox only grows otherwise: ids older than any redelivery are swept hourly
        // (or four times per retention when shorter).
        let barridos = vec![Barrido {
            tabla: "inbox",
            retencion: self.retencion_inbox,
            barrer: barrido::inbox,
        }];
        let cada = barrendero::intervalo(&barridos);
        let barrendero = tokio::spawn(barrendero::ejecutar(
            self.uow.clone(),
            barridos,
            cada,
            detener.clone().cancelled_owned(),
        ));
        // One loop per event topic of the contract, all sharing one handler (and decoder).
        for contrato in EventoVuelos::CONTRATOS {
            bucles.spawn(consumir(
                self.broker.clone(),
                Suscripcion::compartida(contrato.topico, SUSCRIPCION),
                manejador.clone(),
                detener.clone().cancelled_owned(),
            ));
        }
        // A loop only returns when told to; one that ends before (it panicked) would leave
        // its topic unread, so the whole service stops and says so, for its supervisor to
        // restart it.
        let resultado = tokio::select! {
            _ = apagado => {
                tracing::info!("apagando: cada consumidor termina el mensaje en curso");
                Ok(())
            }
            Some(fin) = bucles.join_next() => {
                let causa = fin.err().map_or_else(|| "terminó".to_owned(), |e| e.to_string());
                tracing::error!(%causa, "un consumidor se detuvo antes de tiempo: se apaga el servicio");
                Err(ErrorEjecucion::ConsumidorDetenido(causa))
            }
        };
        detener.cancel();
        while let Some(fin) = bucles.join_next().await {
            if let Err(error) = fin {
                tracing::error!(error = %ConCausas(&error), "un consumidor terminó con un fallo");
            }
        }
        let _ = barrendero.await;
        resultado
    }
}

/// Opens the inbox database `url` names, applying the service's migrations.
async fn abrir_base_datos(url: &str) -> Result<BaseDatos, ErrorArranque> {
    let url = url.to_owned();
    // Connecting and migrating block on the database.
    let base = tokio::task::spawn_blocking(move || BaseDatos::conectar(&url, &MIGRACIONES))
        .await
        .map_err(|e| ErrorArranque::Tarea(e.to_string()))??;
    Ok(base)
}

#[cfg(test)]
mod tests {
    use seedwork_pruebas::bases;

    use super::*;

    #[tokio::test]
    async fn the_inbox_database_has_the_seedwork_tables_and_none_of_the_modules() {
        for vacia in bases::todas(&[]) {
            let base = abrir_base_datos(&vacia.url).await.unwrap();

            let tablas = bases::tablas(&base);

            assert!(tablas.contains("inbox"), "{}: {tablas:?}", vacia.nombre);
            assert!(tablas.contains("outbox"), "{}: {tablas:?}", vacia.nombre);
            for tabla in ["reservas", "usuarios", "solicitudes"] {
                assert!(!tablas.contains(tabla), "{}: {tablas:?}", vacia.nombre);
            }
        }
    }
}

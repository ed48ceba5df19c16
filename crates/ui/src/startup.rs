//! The composition root of the ui: the one place that connects to the broker, subscribes
//! to every event topic of the contract, builds the aeroalpes client and binds the HTTP
//! server; and that stops them in order.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use seedwork_dominio::ConCausas;
use seedwork_mensajeria::{conectar, consumir, Suscripcion};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use uuid::Uuid;
use vuelos_contrato::{EventoVuelos, SUSCRIPCION_BFF};

use crate::aeroalpes::ClienteAeroalpes;
use crate::configuracion::Configuracion;
use crate::consumidor::ConsumidorEventos;
use crate::enrutador::Enrutador;
use crate::rutas;
use crate::sesion::Contexto;

#[derive(Debug, thiserror::Error)]
pub enum ErrorArranque {
    #[error("no se pudo conectar al broker {url}")]
    Broker {
        url: String,
        /// The `pulsar` client's error, boxed: no type of `pulsar` is named here.
        #[source]
        causa: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("no se pudo crear el cliente HTTP de aeroalpes")]
    ClienteHttp(#[source] reqwest::Error),
    #[error("no se pudo escuchar en {direccion} (UI_PORT cambia el puerto)")]
    Puerto {
        direccion: String,
        #[source]
        causa: std::io::Error,
    },
}

/// Why the ui stopped without being told to.
#[derive(Debug, thiserror::Error)]
pub enum ErrorEjecucion {
    #[error("un consumidor se detuvo antes de tiempo: {0}")]
    ConsumidorDetenido(String),
    #[error("el servidor HTTP falló")]
    Servidor(#[source] std::io::Error),
}

/// The subscription name of one replica. Each replica must see every event, because
/// each serves its own browsers: a shared subscription (`aeroalpes-bff` alone) would
/// split the events between replicas and a browser would miss those another replica got.
/// So every process subscribes under its own name, `aeroalpes-bff-<instance id>`. The
/// seedwork's subscriptions are durable: on Apache Pulsar, set the namespace's
/// `subscriptionExpirationTimeMinutes` so that those of replicas that are gone are removed.
pub fn nombre_suscripcion(instancia: Uuid) -> String {
    format!("{SUSCRIPCION_BFF}-{}", instancia.simple())
}

/// The ui, subscribed and bound, ready to serve.
pub struct Aplicacion {
    puerto: u16,
    servidor: Server,
    enrutador: Arc<Enrutador>,
    bucles: JoinSet<()>,
    detener: CancellationToken,
    suscripcion: String,
}

impl Aplicacion {
    /// Connects to the broker (waiting for it while it is not reachable yet), subscribes
    /// to every event topic and waits until each subscription exists (an event published
    /// before would not be kept for it), then binds the port.
    pub async fn construir(configuracion: &Configuracion) -> Result<Self, ErrorArranque> {
        seedwork_mensajeria::metricas::registro();
        let token = configuracion.token_servicio.as_ref().map(|t| t.0.as_str());
        let aeroalpes = ClienteAeroalpes::new(configuracion.url_aeroalpes.clone(), token)
            .map_err(ErrorArranque::ClienteHttp)?;
        let broker =
            conectar(&configuracion.url_broker)
                .await
                .map_err(|causa| ErrorArranque::Broker {
                    url: configuracion.url_broker.clone(),
                    causa: Box::new(causa),
                })?;
        tracing::info!(broker = %configuracion.url_broker, "conectado al broker");

        let enrutador = Arc::new(Enrutador::default());
        let manejador = Arc::new(ConsumidorEventos::new(Arc::clone(&enrutador)));
        let suscripcion = nombre_suscripcion(Uuid::new_v4());
        let detener = CancellationToken::new();
        let mut bucles = JoinSet::new();
        let mut listos = Vec::new();
        for contrato in EventoVuelos::CONTRATOS {
            let listo = Arc::new(Notify::new());
            listos.push(Arc::clone(&listo));
            bucles.spawn(consumir(
                broker.clone(),
                Suscripcion::compartida(contrato.topico, suscripcion.clone())
                    .con_aviso_de_listo(listo),
                Arc::clone(&manejador),
                detener.clone().cancelled_owned(),
            ));
        }
        for listo in listos {
            listo.notified().await;
        }

        let direccion = format!("{}:{}", configuracion.host, configuracion.puerto);
        let listener = TcpListener::bind((configuracion.host.as_str(), configuracion.puerto))
            .map_err(|causa| ErrorArranque::Puerto {
                direccion: direccion.clone(),
                causa,
            })?;
        let puerto = listener
            .local_addr()
            .map_err(|causa| ErrorArranque::Puerto {
                direccion: direccion.clone(),
                causa,
            })?
            .port();
        let contexto = web::Data::new(Contexto {
            enrutador: Arc::clone(&enrutador),
            aeroalpes,
        });
        let servidor = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(contexto.clone())
                .configure(rutas::rutas)
        })
        .listen(listener)
        .map_err(|causa| ErrorArranque::Puerto { direccion, causa })?
        // The binary handles signals itself (see `ejecutar_hasta`).
        .disable_signals()
        .shutdown_timeout(5)
        .run();
        Ok(Self {
            puerto,
            servidor,
            enrutador,
            bucles,
            detener,
            suscripcion,
        })
    }

    pub fn puerto(&self) -> u16 {
        self.puerto
    }

    /// This replica's subscription on every event topic.
    pub fn suscripcion(&self) -> &str {
        &self.suscripcion
    }

    /// Serves until `apagado` resolves; then closes every session, stops the server and
    /// lets each consumer finish the message in hand.
    pub async fn ejecutar_hasta(
        mut self,
        apagado: impl Future<Output = ()>,
    ) -> Result<(), ErrorEjecucion> {
        let control = self.servidor.handle();
        let mut servidor = self.servidor;
        let resultado = tokio::select! {
            resultado = &mut servidor => resultado.map_err(ErrorEjecucion::Servidor),
            _ = apagado => {
                tracing::info!("apagando: se cierran las sesiones y los consumidores");
                self.enrutador.cerrar_todas();
                let (resultado, ()) = tokio::join!(servidor, control.stop(true));
                resultado.map_err(ErrorEjecucion::Servidor)
            }
            Some(fin) = self.bucles.join_next() => {
                let causa = fin.err().map_or_else(|| "terminó".to_owned(), |e| e.to_string());
                tracing::error!(%causa, "un consumidor se detuvo antes de tiempo: se apaga la ui");
                self.enrutador.cerrar_todas();
                control.stop(true).await;
                Err(ErrorEjecucion::ConsumidorDetenido(causa))
            }
        };
        self.detener.cancel();
        while let Some(fin) = self.bucles.join_next().await {
            if let Err(error) = fin {
                tracing::error!(error = %ConCausas(&error), "un consumidor terminó con un fallo");
            }
        }
        resultado
    }

    /// Serves until the process ends (tests start applications this way).
    pub async fn ejecutar_hasta_detener(self) -> Result<(), ErrorEjecucion> {
        self.ejecutar_hasta(std::future::pending()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_port_names_the_address_and_ui_port() {
        let ocupado = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let puerto = ocupado.local_addr().expect("its address").port();
        let direccion = format!("127.0.0.1:{puerto}");
        let causa = TcpListener::bind(&direccion).expect_err("the port is taken");
        let error = ErrorArranque::Puerto { direccion, causa };
        let texto = error.to_string();
        assert!(texto.contains(&format!("127.0.0.1:{puerto}")), "{texto}");
        assert!(texto.contains("UI_PORT"), "{texto}");
    }
}

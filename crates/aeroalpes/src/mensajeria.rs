//! The messaging side of the monolith: the broker (the configured one, or `pulsar-embedded`
//! started in this process), the outbox relay, the command consumer
//! (`aeroalpes-sub-comandos`) and the event consumer (`aeroalpes-sub-eventos`); or, on a
//! query service, the projections that feed its read models of reservations and users
//! (`aeroalpes-vista-<generation>`, from the earliest retained message of every topic of
//! both modules' contracts). They run
//! until the application stops, and the HTTP side never waits for the broker: accepted
//! commands wait in the outbox until it is reachable. Whether the broker is connected is
//! kept in a flag that `/health/ready` reads: set once the relay runs, cleared while its
//! batches fail with a broker error or wait too long for receipts, set again once it
//! publishes.

use seedwork_dominio::ConCausas;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientes_infraestructura::ProyeccionUsuarios;
use seedwork_mensajeria::barrendero;
use seedwork_mensajeria::{conectar, consumir, Broker, RelevoOutbox, Suscripcion};
use seedwork_persistencia::barrido::{self, Barrido};
use seedwork_persistencia::UnidadTrabajoDiesel;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use vuelos_contrato::{
    contratos, ComandoVuelos, EventoVuelos, SUSCRIPCION_COMANDOS, SUSCRIPCION_EVENTOS,
    SUSCRIPCION_VISTA,
};
use vuelos_infraestructura::consumidores::{ConsumidorComandos, ConsumidorEventos};
use vuelos_infraestructura::vista::proyeccion::ProyeccionVista;

use crate::configuracion::Configuracion;

/// How long stopping waits for the relay, the consumers (each finishing the message in
/// hand, whose database work is bounded by `ESPERA_TRABAJO`) and the sweeper, together.
/// With the HTTP server's 10 s for requests in flight, aeroalpes ends within some 20 s of
/// its signal in the worst case.
const PLAZO_DETENCION: Duration = Duration::from_secs(8);
/// How long the relay keeps published outbox rows at most.
const RETENCION_OUTBOX: Duration = Duration::from_secs(3600);
/// How long stopping waits for the embedded broker (closing its connections, syncing its log).
const PLAZO_BROKER: Duration = Duration::from_secs(5);

/// Which side of the service the messaging works for.
pub enum Lado {
    /// The write model: relay the outbox (which commits wake through `aviso_outbox`) and
    /// handle the commands.
    Escritura { aviso_outbox: Arc<Notify> },
    /// A read model of generation `generacion`: project every message of the contract
    /// into it.
    Lectura { generacion: String },
}

pub struct Mensajeria {
    url: String,
    embebido: Option<pulsar_embedded::BrokerHandle>,
    apagar: watch::Sender<bool>,
    supervisor: JoinHandle<()>,
    /// Sweeps the bookkeeping tables (inbox, requests, idempotency keys) every hour.
    barrendero: JoinHandle<()>,
}

impl Mensajeria {
    /// Starts the embedded broker if none is configured, then, in the background, connects
    /// and runs the relay and the consumers. `broker_conectado` becomes `true` once they
    /// run, and follows the relay's publishing from then on.
    pub async fn arrancar(
        configuracion: &Configuracion,
        uow: UnidadTrabajoDiesel,
        lado: Lado,
        broker_conectado: Arc<AtomicBool>,
    ) -> anyhow::Result<Self> {
        let (url, embebido) = match &configuracion.url_broker {
            Some(url) => (url.clone(), None),
            None => {
                let local = &configuracion.broker_embebido;
                let direccion = SocketAddr::from((Ipv4Addr::LOCALHOST, local.puerto));
                let mut config = pulsar_embedded::Config::new(direccion, &local.directorio);
                // The relay's producers resend what a reconnection left without a receipt;
                // the broker drops those resends (consumers' inboxes would absorb them too).
                config.deduplication = true;
                // Events stay readable for consumers that subscribe later from the
                // earliest one (and for dead letters no one reads yet), up to 1 GiB per
                // topic, even across restarts that close a log segment.
                config.retention = pulsar_embedded::retention::RetentionPolicy {
                    time_minutes: -1,
                    size_mb: 1024,
                };
                config.admin_bind = local
                    .puerto_admin
                    .map(|puerto| SocketAddr::from((Ipv4Addr::LOCALHOST, puerto)));
                let broker = pulsar_embedded::start(config).await?;
                tracing::info!(
                    direccion = %broker.address(),
                    admin = ?broker.admin_address(),
                    datos = %local.directorio.display(),
                    "broker embebido iniciado"
                );
                (format!("pulsar://{}", broker.address()), Some(broker))
            }
        };
        let (apagar, apagado) = watch::channel(false);
        let (uow_barrido, apagado_barrido) = (uow.clone(), apagado.clone());
        let retencion = configuracion.retencion_registros;
        // Published outbox rows go after an hour (the relay purges them), or after the
        // bookkeeping retention when that is shorter.
        let retencion_outbox = retencion
            .to_std()
            .map_or(RETENCION_OUTBOX, |r| r.min(RETENCION_OUTBOX));
        let mut barridos = vec![
            Barrido {
                tabla: "inbox",
                retencion,
                barrer: barrido::inbox,
            },
            Barrido {
                tabla: "idempotencia",
                retencion: barrido::RETENCION_IDEMPOTENCIA,
                barrer: barrido::idempotencia,
            },
        ];
        let supervisor = match lado {
            Lado::Escritura { aviso_outbox } => {
                barridos.push(Barrido {
                    tabla: "solicitudes",
                    retencion,
                    barrer: vuelos_infraestructura::solicitudes::barrer,
                });
                tokio::spawn(supervisar(
                    url.clone(),
                    uow,
                    aviso_outbox,
                    broker_conectado,
                    retencion_outbox,
                    apagado,
                ))
            }
            Lado::Lectura { generacion } => tokio::spawn(proyectar(
                url.clone(),
                uow,
                format!("{SUSCRIPCION_VISTA}-{generacion}"),
                broker_conectado,
                apagado,
            )),
        };
        let cada = barrendero::intervalo(&barridos);
        let barrendero = tokio::spawn(barrendero::ejecutar(
            uow_barrido,
            barridos,
            cada,
            senal(apagado_barrido),
        ));
        Ok(Self {
            url,
            embebido,
            apagar,
            supervisor,
            barrendero,
        })
    }

    /// The broker's URL (`pulsar://…`), for clients of this process's embedded broker.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the consumers (each after the message in hand) and the relay (after its
    /// batch), then the embedded broker.
    /// All of it within [`PLAZO_DETENCION`], and the broker within [`PLAZO_BROKER`], whatever
    /// the database or the broker do.
    pub async fn detener(self) {
        let _ = self.apagar.send(true);
        let limite = tokio::time::Instant::now() + PLAZO_DETENCION;
        if tokio::time::timeout_at(limite, self.supervisor)
            .await
            .is_err()
        {
            tracing::warn!("la mensajería no se detuvo a tiempo");
        }
        if tokio::time::timeout_at(limite, self.barrendero)
            .await
            .is_err()
        {
            tracing::warn!("el barrido no se detuvo a tiempo");
        }
        if let Some(broker) = self.embebido {
            if tokio::time::timeout(PLAZO_BROKER, broker.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("el broker embebido no se detuvo a tiempo");
            }
        }
    }
}

async fn senal(mut apagado: watch::Receiver<bool>) {
    let _ = apagado.wait_for(|apagar| *apagar).await;
}

/// The broker at `url`, once it answers (the client retries the connection until then);
/// `None` when stopping first or when the client gives up (logged).
async fn conectado(url: &str, apagado: &watch::Receiver<bool>) -> Option<Broker> {
    let broker = tokio::select! {
        _ = senal(apagado.clone()) => return None,
        broker = conectar(url) => broker,
    };
    broker
        .inspect_err(|error| {
            tracing::error!(url = %url, error = %ConCausas(error), "no se pudo conectar al broker")
        })
        .ok()
}

/// Connects, then runs the projection of the read model on every topic of the contract
/// under the subscription `nombre`, each from the earliest retained message. The broker
/// counts as connected once every subscription exists.
async fn proyectar(
    url: String,
    uow: UnidadTrabajoDiesel,
    nombre: String,
    broker_conectado: Arc<AtomicBool>,
    apagado: watch::Receiver<bool>,
) {
    let Some(broker) = conectado(&url, &apagado).await else {
        return;
    };
    tracing::info!(url = %url, suscripcion = %nombre, "conectado al broker: proyección de la vista");
    let reservas = Arc::new(ProyeccionVista::new(uow.clone()));
    let usuarios = Arc::new(ProyeccionUsuarios::new(uow));
    let mut tareas = Vec::new();
    let mut avisos = Vec::new();
    let mut suscribir = |topico: &str| {
        let aviso = Arc::new(Notify::new());
        avisos.push(aviso.clone());
        Suscripcion::compartida(topico, nombre.clone())
            .desde_el_principio()
            .con_aviso_de_listo(aviso)
    };
    for contrato in contratos() {
        tareas.push(tokio::spawn(consumir(
            broker.clone(),
            suscribir(contrato.topico),
            reservas.clone(),
            senal(apagado.clone()),
        )));
    }
    for contrato in clientes_contrato::contratos() {
        tareas.push(tokio::spawn(consumir(
            broker.clone(),
            suscribir(contrato.topico),
            usuarios.clone(),
            senal(apagado.clone()),
        )));
    }
    let suscritos = futures::future::join_all(avisos.iter().map(|aviso| aviso.notified()));
    tokio::select! {
        _ = senal(apagado.clone()) => {}
        _ = suscritos => broker_conectado.store(true, Ordering::Relaxed),
    }
    for tarea in tareas {
        let _ = tarea.await;
    }
}

async fn supervisar(
    url: String,
    uow: UnidadTrabajoDiesel,
    aviso_outbox: Arc<Notify>,
    broker_conectado: Arc<AtomicBool>,
    retencion_outbox: Duration,
    apagado: watch::Receiver<bool>,
) {
    let Some(broker) = conectado(&url, &apagado).await else {
        return;
    };
    tracing::info!(url = %url, "conectado al broker");

    let mut tareas: Vec<JoinHandle<()>> = Vec::new();
    let mut avisos = Vec::new();
    let mut suscribir = |topico: &str, nombre: &str| {
        let aviso = Arc::new(Notify::new());
        avisos.push(aviso.clone());
        Suscripcion::compartida(topico, nombre).con_aviso_de_listo(aviso)
    };
    let consumidor_comandos = Arc::new(ConsumidorComandos::new(uow.clone()));
    for contrato in ComandoVuelos::CONTRATOS {
        let suscripcion = suscribir(contrato.topico, SUSCRIPCION_COMANDOS);
        tareas.push(tokio::spawn(consumir(
            broker.clone(),
            suscripcion,
            consumidor_comandos.clone(),
            senal(apagado.clone()),
        )));
    }
    let consumidor_eventos = Arc::new(ConsumidorEventos::default());
    for contrato in EventoVuelos::CONTRATOS {
        let suscripcion = suscribir(contrato.topico, SUSCRIPCION_EVENTOS);
        tareas.push(tokio::spawn(consumir(
            broker.clone(),
            suscripcion,
            consumidor_eventos.clone(),
            senal(apagado.clone()),
        )));
    }
    // The relay starts once this process's subscriptions exist: on a first start, a command
    // published before its subscription would be kept for nobody.
    let suscritos = futures::future::join_all(avisos.iter().map(|aviso| aviso.notified()));
    tokio::select! {
        _ = senal(apagado.clone()) => {}
        _ = suscritos => {
            let esquemas: HashMap<String, String> = contratos()
                .chain(clientes_contrato::contratos())
                .map(|c| (c.tipo.to_owned(), c.esquema_json.to_owned()))
                .collect();
            // The relay gets a connection of its own. The `pulsar` crate leaves Nagle's
            // algorithm on, so on a shared connection a SEND queued behind a consumer's ack
            // (which gets no reply) waits for the broker's delayed ACK, about 40 ms.
            match conectar(&url).await {
                Ok(broker_relevo) => {
                    let relevo = RelevoOutbox::new(uow, broker_relevo, esquemas, aviso_outbox)
                        .con_estado_broker(broker_conectado.clone())
                        .con_retencion(retencion_outbox);
                    broker_conectado.store(true, Ordering::Relaxed);
                    tareas.push(tokio::spawn(relevo.ejecutar(senal(apagado.clone()))));
                }
                Err(error) => tracing::error!(url = %url, error = %ConCausas(&error), "el relevo no pudo conectar al broker"),
            }
        }
    }
    for tarea in tareas {
        let _ = tarea.await;
    }
}

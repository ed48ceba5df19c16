//! The composition root: builds the application from its configuration. This is the only
//! code that names actix-web, diesel and the modules' adapters together.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use aeroalpes_api::{BacklogOutbox, Contexto, InformeSalud, Metricas, Rol, Salud};
use chrono::TimeDelta;
use clientes_aplicacion::{
    agregar_reserva, AplicacionClientes, ConsultasVistaClientes, ReservasDeCliente,
};
use clientes_dominio::IdUsuario;
use clientes_infraestructura::{
    EmisorTokensJwt, FabricaRepositorioUsuariosDiesel, FabricaVistaUsuariosDiesel, HasherArgon2,
};
use seedwork_dominio::{ConCausas, ErrorPersistencia};
use seedwork_persistencia::{
    outbox, BaseDatos, ManejadoresEventos, Migraciones, RegistroIdempotencia, TransaccionDiesel,
    UnidadTrabajoDiesel,
};
use tokio::sync::Notify;
use tracing_actix_web::TracingLogger;
use vuelos_aplicacion::{AplicacionVuelos, ConsultasVista};
use vuelos_dominio::ReservaCreada;
use vuelos_infraestructura::{
    integracion, vista, FabricaRepositoriosDiesel, FabricaVistaDiesel, TransporteOutbox,
};

use crate::configuracion::Configuracion;
use crate::idempotencia::IdempotenciaDiesel;
use crate::mensajeria::{Lado, Mensajeria};

/// The tables of the monolith: the seedwork's (outbox, inbox), vuelos' and clientes', each
/// module's migrations embedded in its own crate.
pub const MIGRACIONES: [Migraciones; 3] = [
    seedwork_persistencia::MIGRACIONES,
    vuelos_infraestructura::MIGRACIONES,
    clientes_infraestructura::MIGRACIONES,
];

/// The tables of a query service's database: the seedwork's (its inbox, and the
/// idempotency keys of the middleware every process runs) and the read models of vuelos
/// and clientes. Nothing of the write model.
pub const MIGRACIONES_QUERIES: [Migraciones; 3] = [
    seedwork_persistencia::MIGRACIONES,
    vuelos_infraestructura::MIGRACIONES_VISTA,
    clientes_infraestructura::vista::MIGRACIONES_VISTA,
];

/// What `/health/ready` asks: the database, the messaging side's view of the broker
/// (see `Mensajeria`) and the outbox backlog.
struct SaludAeroalpes {
    base: BaseDatos,
    broker_conectado: Arc<AtomicBool>,
    max_pendientes: u64,
}

impl SaludAeroalpes {
    fn backlog(&self) -> Result<BacklogOutbox, ErrorPersistencia> {
        let mut conexion = self
            .base
            .conexion()
            .map_err(ErrorPersistencia::no_disponible)?;
        let pendientes = outbox::pendientes(&mut conexion)?;
        let edad = pendientes
            .mas_antigua
            .map(|fecha| {
                (chrono::Utc::now().naive_utc() - fecha)
                    .num_seconds()
                    .max(0)
            })
            .unwrap_or(0);
        Ok(BacklogOutbox {
            pendientes: pendientes.cantidad.max(0) as u64,
            mas_antiguo_segundos: edad as u64,
            maximo: self.max_pendientes,
        })
    }
}

impl Salud for SaludAeroalpes {
    fn verificar(&self) -> InformeSalud {
        InformeSalud {
            base_datos: self.base.verificar().map_err(Into::into),
            broker: self.broker_conectado.load(Ordering::Relaxed),
            outbox: self.backlog().map_err(Into::into),
        }
    }
}

/// `/metrics`: the process' registry, with the outbox gauges read at each scrape (the
/// same backlog `/health/ready` reads).
struct MetricasAeroalpes {
    salud: Arc<SaludAeroalpes>,
}

impl Metricas for MetricasAeroalpes {
    fn exponer(&self) -> String {
        match self.salud.backlog() {
            Ok(backlog) => {
                metrics::gauge!("aeroalpes_outbox_pendientes").set(backlog.pendientes as f64);
                metrics::gauge!("aeroalpes_outbox_antiguedad_segundos")
                    .set(backlog.mas_antiguo_segundos as f64);
            }
            Err(error) => {
                tracing::warn!(error = %ConCausas(&error), "métricas: no se pudo leer el outbox")
            }
        }
        seedwork_mensajeria::metricas::exponer()
    }
}

/// The application composed: the routes' context, and the unit of work the messaging side
/// runs on.
pub struct Composicion {
    pub contexto: Contexto,
    pub uow: UnidadTrabajoDiesel,
}

/// Wires every module's application to the diesel adapters over one database; asynchronous
/// commands travel through the outbox. Commits that write the outbox wake `aviso_outbox`
/// (the relay). Health reads the broker's state from `broker_conectado` (the messaging
/// side sets it) and refuses readiness from `max_pendientes_outbox` unpublished rows on.
pub fn componer(
    base: BaseDatos,
    tokens: EmisorTokensJwt,
    aviso_outbox: Arc<Notify>,
    broker_conectado: Arc<AtomicBool>,
    configuracion: &Configuracion,
) -> Composicion {
    let max_pendientes_outbox = configuracion.max_pendientes_outbox;
    let base_idempotencia = base.clone();
    let usuarios = FabricaRepositorioUsuariosDiesel;
    let mut eventos = ManejadoresEventos::new();
    // clientes reacts to vuelos: a reservation with a client is added to that user inside
    // the transaction that creates it, and an unknown or deactivated client refuses it.
    // The two modules meet only here, through vuelos' domain event.
    eventos.suscribir(move |evento: &ReservaCreada, tx: &mut TransaccionDiesel| {
        match evento.id_cliente {
            Some(cliente) => agregar_reserva(
                &usuarios,
                tx,
                cliente.uuid().into(),
                evento.id_reserva.uuid().into(),
            ),
            None => Ok(()),
        }
    });
    integracion::registrar_manejadores(&mut eventos);
    clientes_infraestructura::integracion::registrar_manejadores(&mut eventos);
    let uow =
        UnidadTrabajoDiesel::new(base.clone(), Arc::new(eventos)).con_aviso_outbox(aviso_outbox);
    let vuelos = Arc::new(AplicacionVuelos::new(
        uow.clone(),
        FabricaRepositoriosDiesel,
        TransporteOutbox::new(uow.clone()),
    ));
    let clientes = Arc::new(
        AplicacionClientes::new(uow.clone(), usuarios, HasherArgon2::new(), tokens.clone())
            .con_personal(configuracion.personal.clone()),
    );

    let salud = Arc::new(SaludAeroalpes {
        base,
        broker_conectado,
        max_pendientes: max_pendientes_outbox,
    });
    Composicion {
        contexto: Contexto {
            vuelos: Some(vuelos.clone()),
            consultas: vuelos,
            clientes: Some(clientes.clone()),
            consultas_clientes: clientes,
            tokens: Arc::new(tokens),
            salud: salud.clone(),
            metricas: Arc::new(MetricasAeroalpes { salud }),
            idempotencia: idempotencia(base_idempotencia, configuracion),
            token_servicio: token_servicio(configuracion),
            limites: Default::default(),
            proxies_confiables: configuracion.proxies_confiables.clone(),
        },
        uow,
    }
}

/// The reservations of a client, for clientes' queries on a query service: from the
/// vuelos read model of the same database. The two modules meet here, as they do on the
/// write side through vuelos' domain event.
struct ReservasDeLaVista;

impl ReservasDeCliente<TransaccionDiesel> for ReservasDeLaVista {
    fn reservas(
        &self,
        tx: &mut TransaccionDiesel,
        id: IdUsuario,
    ) -> Result<Vec<uuid::Uuid>, ErrorPersistencia> {
        vista::reservas_de_cliente(tx.conexion(), &id.to_string())?
            .iter()
            .map(|texto| {
                uuid::Uuid::parse_str(texto).map_err(|e| {
                    ErrorPersistencia::datos_invalidos(format!("la reserva {texto} en la vista"), e)
                })
            })
            .collect()
    }
}

/// Wires a query service over its own database `base`: the queries of vuelos and
/// clientes answered from the read models (which the projections keep current), and no
/// command.
pub fn componer_queries(
    base: BaseDatos,
    tokens: EmisorTokensJwt,
    broker_conectado: Arc<AtomicBool>,
    configuracion: &Configuracion,
) -> Composicion {
    let uow = UnidadTrabajoDiesel::new(base.clone(), Arc::new(ManejadoresEventos::new()));
    let salud = Arc::new(SaludAeroalpes {
        base: base.clone(),
        broker_conectado,
        max_pendientes: configuracion.max_pendientes_outbox,
    });
    Composicion {
        contexto: Contexto {
            vuelos: None,
            consultas: Arc::new(ConsultasVista::new(uow.clone(), FabricaVistaDiesel)),
            clientes: None,
            consultas_clientes: Arc::new(ConsultasVistaClientes::new(
                uow.clone(),
                FabricaVistaUsuariosDiesel,
                ReservasDeLaVista,
                configuracion.personal.clone(),
            )),
            tokens: Arc::new(tokens),
            salud: salud.clone(),
            metricas: Arc::new(MetricasAeroalpes { salud }),
            idempotencia: idempotencia(base, configuracion),
            token_servicio: token_servicio(configuracion),
            limites: Default::default(),
            proxies_confiables: configuracion.proxies_confiables.clone(),
        },
        uow,
    }
}

/// The record of `Idempotency-Key`s over `base`.
fn idempotencia(base: BaseDatos, configuracion: &Configuracion) -> Arc<IdempotenciaDiesel> {
    Arc::new(IdempotenciaDiesel::new(
        RegistroIdempotencia::new(base, TimeDelta::seconds(60)),
        configuracion.secreto_jwt.como_bytes(),
    ))
}

fn token_servicio(configuracion: &Configuracion) -> Option<String> {
    configuracion
        .token_servicio
        .as_ref()
        .map(|token| token.como_str().to_owned())
}

/// A built application, bound to its port but not yet serving; its messaging runs.
pub struct Aplicacion {
    puerto: u16,
    servidor: Server,
    mensajeria: Mensajeria,
}

impl Aplicacion {
    /// Connects to the database (migrating it), composes the modules and binds the port.
    pub async fn construir(configuracion: &Configuracion) -> anyhow::Result<Self> {
        // The metrics recorder first: what the start records is kept for the first scrape.
        seedwork_mensajeria::metricas::registro();
        let url = configuracion.url_base_datos.clone();
        let rol = configuracion.rol;
        let base = tokio::task::spawn_blocking(move || match rol {
            Rol::Queries => BaseDatos::conectar(&url, &MIGRACIONES_QUERIES),
            Rol::Todo | Rol::Comandos => BaseDatos::conectar(&url, &MIGRACIONES),
        })
        .await??;
        let base = match configuracion.escritura_agrupada {
            Some(agrupada) => base.con_escritura_agrupada(agrupada)?,
            None => base,
        };
        if configuracion.secreto_jwt.es_generado() {
            tracing::warn!(
                "AEROALPES_JWT_SECRET no está definido: se generó un secreto aleatorio; los \
                 tokens no sobreviven a un reinicio ni sirven en otras réplicas"
            );
        }
        let tokens = EmisorTokensJwt::new(
            configuracion.secreto_jwt.como_bytes(),
            configuracion.vigencia_tokens,
        )?;
        let broker_conectado = Arc::new(AtomicBool::new(false));
        let (Composicion { contexto, uow }, lado) = match rol {
            Rol::Queries => {
                let base_generacion = base.clone();
                let generacion = tokio::task::spawn_blocking(move || {
                    let mut conexion = base_generacion
                        .conexion()
                        .map_err(ErrorPersistencia::no_disponible)?;
                    vista::generacion(&mut conexion)
                })
                .await??;
                tracing::info!(generacion = %generacion, "servicio de consultas: vista propia");
                (
                    componer_queries(base, tokens, broker_conectado.clone(), configuracion),
                    Lado::Lectura { generacion },
                )
            }
            Rol::Todo | Rol::Comandos => {
                let aviso_outbox = Arc::new(Notify::new());
                (
                    componer(
                        base,
                        tokens,
                        aviso_outbox.clone(),
                        broker_conectado.clone(),
                        configuracion,
                    ),
                    Lado::Escritura { aviso_outbox },
                )
            }
        };
        let contexto = web::Data::new(contexto);
        let mensajeria = Mensajeria::arrancar(configuracion, uow, lado, broker_conectado).await?;

        let listener = TcpListener::bind((configuracion.host.as_str(), configuracion.puerto))
            .map_err(|causa| {
                anyhow::Error::new(causa).context(format!(
                    "no se pudo escuchar en {}:{} (puerto {}; AEROALPES_PORT lo cambia)",
                    configuracion.host, configuracion.puerto, configuracion.puerto
                ))
            })?;
        let puerto = listener.local_addr()?.port();
        let servidor = HttpServer::new(move || {
            App::new()
                // Innermost: the access line and the request's span see replays too.
                .wrap(actix_web::middleware::from_fn(
                    aeroalpes_api::idempotencia::middleware,
                ))
                .wrap(actix_web::middleware::from_fn(
                    aeroalpes_api::acceso::registrar_acceso,
                ))
                .wrap(aeroalpes_api::errores::metodo_no_permitido())
                .wrap(TracingLogger::<aeroalpes_api::acceso::RaizPeticion>::new())
                .app_data(contexto.clone())
                .configure(aeroalpes_api::rutas_de(rol))
        })
        .listen(listener)?
        // The binary handles signals itself (see `ejecutar_hasta`): actix installs its
        // handlers only once the server is first polled, too late for an early signal.
        .disable_signals()
        // When stopping, stop accepting and give in-flight requests this long to finish.
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            puerto,
            servidor,
            mensajeria,
        })
    }

    pub fn puerto(&self) -> u16 {
        self.puerto
    }

    /// The URL of the broker this application uses (its embedded one, when none is configured).
    pub fn url_broker(&self) -> &str {
        self.mensajeria.url()
    }

    /// Serves until `apagado` resolves, then drains: in-flight requests first, then the
    /// consumers and the relay, then the embedded broker.
    pub async fn ejecutar_hasta(
        self,
        apagado: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let control = self.servidor.handle();
        let mut servidor = self.servidor;
        let resultado = tokio::select! {
            resultado = &mut servidor => resultado,
            _ = apagado => {
                // The server future processes the stop command, so it is polled alongside.
                let (resultado, ()) = tokio::join!(servidor, control.stop(true));
                resultado
            }
        };
        self.mensajeria.detener().await;
        resultado
    }

    /// Serves until the process ends (tests start applications this way).
    pub async fn ejecutar_hasta_detener(self) -> std::io::Result<()> {
        self.ejecutar_hasta(std::future::pending()).await
    }
}

#[cfg(test)]
mod tests {
    use seedwork_pruebas::bases;

    use super::*;

    #[test]
    fn a_database_of_the_monolith_has_the_tables_of_every_module() {
        for prueba in bases::todas(&MIGRACIONES) {
            let tablas = bases::tablas(&prueba.base);
            for tabla in [
                "outbox",
                "inbox",
                "reservas",
                "solicitudes",
                "usuarios",
                "usuario_reservas",
            ] {
                assert!(tablas.contains(tabla), "{}: no {tabla}", prueba.nombre);
            }
        }
    }

    /// Databases migrated when every module's migrations lived in one directory recorded
    /// the 2026-11-22 versions: the modules' sets together bring exactly them, plus those
    /// added since (2026-11-29: `ultimas_solicitudes`; 2026-11-30: `idempotencia`, the
    /// index of reservation positions; 2026-12-02: the listing indexes), so such a database
    /// finds nothing unknown and only the new ones pending.
    #[test]
    fn the_modules_migrations_are_the_versions_existing_databases_recorded() {
        for prueba in bases::todas(&MIGRACIONES) {
            assert_eq!(
                bases::versiones_aplicadas(&prueba.base),
                [
                    "20261122000001",
                    "20261122000002",
                    "20261122000003",
                    "20261122000010",
                    "20261122000011",
                    "20261129000011",
                    "20261130000021",
                    "20261130000031",
                    "20261202000051",
                ]
                .map(String::from)
                .into(),
                "{}",
                prueba.nombre
            );
        }
    }
}

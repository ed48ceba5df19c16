//! The composition root: builds the application from its configuration. This is the only
//! code that names actix-web, diesel and the modules' adapters together.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use seedwork_aplicacion::{DespachadorComandos, DespachadorQueries};
use seedwork_infraestructura::{BaseDatos, ManejadoresEventos, UnidadTrabajoDiesel};
use tracing_actix_web::TracingLogger;
use vuelos_aplicacion::comandos::{
    AprobarReserva, CancelarReserva, CrearReserva, ManejadorCicloDeVida, ManejadorCrearReserva,
    PagarReserva,
};
use vuelos_aplicacion::queries::{
    ManejadorListarReservas, ManejadorObtenerReserva, ObtenerReserva, ObtenerReservasCanceladas,
    ObtenerReservasNoPagadas, ObtenerReservasPorEstado, ObtenerTodasReservas,
};
use vuelos_infraestructura::{integracion, FabricaRepositoriosDiesel};

use crate::api;
use crate::configuracion::Configuracion;

/// What the routes share: the dispatchers of every module and the database (for health).
pub struct Contexto {
    pub comandos: DespachadorComandos,
    pub queries: DespachadorQueries,
    pub base: BaseDatos,
}

/// Wires every module's handlers to the diesel adapters over one database.
pub fn componer(base: BaseDatos) -> Contexto {
    let mut eventos = ManejadoresEventos::new();
    integracion::registrar_manejadores(&mut eventos);
    let uow = UnidadTrabajoDiesel::new(base.clone(), Arc::new(eventos));
    let fabrica = FabricaRepositoriosDiesel;

    let mut comandos = DespachadorComandos::new();
    comandos
        .registrar::<CrearReserva>(ManejadorCrearReserva::new(uow.clone(), fabrica))
        .registrar::<AprobarReserva>(ManejadorCicloDeVida::new(uow.clone(), fabrica))
        .registrar::<CancelarReserva>(ManejadorCicloDeVida::new(uow.clone(), fabrica))
        .registrar::<PagarReserva>(ManejadorCicloDeVida::new(uow.clone(), fabrica));

    let mut queries = DespachadorQueries::new();
    queries
        .registrar::<ObtenerReserva>(ManejadorObtenerReserva::new(uow.clone(), fabrica))
        .registrar::<ObtenerTodasReservas>(ManejadorListarReservas::new(uow.clone(), fabrica))
        .registrar::<ObtenerReservasCanceladas>(ManejadorListarReservas::new(uow.clone(), fabrica))
        .registrar::<ObtenerReservasNoPagadas>(ManejadorListarReservas::new(uow.clone(), fabrica))
        .registrar::<ObtenerReservasPorEstado>(ManejadorListarReservas::new(uow, fabrica));

    Contexto {
        comandos,
        queries,
        base,
    }
}

/// A built application, bound to its port but not yet serving.
pub struct Aplicacion {
    puerto: u16,
    servidor: Server,
}

impl Aplicacion {
    /// Connects to the database (migrating it), composes the modules and binds the port.
    pub async fn construir(configuracion: &Configuracion) -> anyhow::Result<Self> {
        let url = configuracion.url_base_datos.clone();
        let base = tokio::task::spawn_blocking(move || BaseDatos::conectar(&url)).await??;
        let contexto = web::Data::new(componer(base));

        let listener = TcpListener::bind((configuracion.host.as_str(), configuracion.puerto))?;
        let puerto = listener.local_addr()?.port();
        let servidor = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(contexto.clone())
                .configure(api::rutas)
        })
        .listen(listener)?
        // On SIGINT/SIGTERM, stop accepting and give in-flight requests this long to finish.
        .shutdown_timeout(10)
        .run();
        Ok(Self { puerto, servidor })
    }

    pub fn puerto(&self) -> u16 {
        self.puerto
    }

    /// Serves until a shutdown signal, then drains.
    pub async fn ejecutar_hasta_detener(self) -> std::io::Result<()> {
        self.servidor.await
    }
}

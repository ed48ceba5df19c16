//! The aeroalpes binary: reads the configuration, starts the application, runs until
//! SIGINT or SIGTERM, then drains in-flight requests and stops its messaging.

use std::future::Future;

use aeroalpes::configuracion::Configuracion;
use aeroalpes::startup::Aplicacion;
use seedwork_mensajeria::telemetria;
use tokio::signal::unix::{signal, SignalKind};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    // Registered first, so a signal that arrives while starting up is not lost.
    let apagado = senal_de_apagado()?;
    let configuracion = Configuracion::desde_entorno()?;
    let aplicacion = Aplicacion::construir(&configuracion).await?;
    tracing::info!(
        puerto = aplicacion.puerto(),
        "aeroalpes escuchando en http://{}:{}",
        configuracion.host,
        aplicacion.puerto()
    );
    aplicacion.ejecutar_hasta(apagado).await?;
    tracing::info!("aeroalpes detenido");
    // Dropping the runtime would wait for every blocking thread, and one stuck on a
    // database that stopped answering never returns: the process ends here, its work
    // done or given up within its deadlines (every log line is already written).
    std::process::exit(0)
}

/// Resolves on the first SIGINT or SIGTERM.
fn senal_de_apagado() -> std::io::Result<impl Future<Output = ()>> {
    let mut terminar = signal(SignalKind::terminate())?;
    let mut interrumpir = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminar.recv() => tracing::info!("SIGTERM recibido: deteniendo"),
            _ = interrumpir.recv() => tracing::info!("SIGINT recibido: deteniendo"),
        }
    })
}

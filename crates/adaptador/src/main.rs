//! The adaptador binary: reads the configuration, serves gRPC until SIGINT or SIGTERM,
//! then finishes the calls in progress and exits 0.
#![forbid(unsafe_code)]

use std::future::Future;

use adaptador::configuracion::Configuracion;
use adaptador::startup::Adaptador;
use seedwork_mensajeria::telemetria;
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    let apagado = senal_de_apagado()?;
    let configuracion = Configuracion::desde_entorno()?;
    tracing::info!(aeroalpes = %configuracion.url_aeroalpes, "adaptador arrancando");
    let adaptador = Adaptador::construir(&configuracion).await?;
    adaptador.ejecutar_hasta(apagado).await?;
    tracing::info!("adaptador detenido");
    Ok(())
}

/// Resolves on the first SIGINT or SIGTERM.
fn senal_de_apagado() -> std::io::Result<impl Future<Output = ()>> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = sigint.recv() => tracing::info!("SIGINT recibido: deteniendo"),
            _ = sigterm.recv() => tracing::info!("SIGTERM recibido: deteniendo"),
        }
    })
}

//! The notificaciones binary: reads the configuration, connects, consumes the reservation
//! events until SIGINT or SIGTERM, then finishes the message in hand and exits 0.
#![forbid(unsafe_code)]

use std::future::Future;

use notificaciones::startup::Aplicacion;
use notificaciones::Configuracion;
use seedwork_mensajeria::telemetria;
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    // Handlers first: a signal during start-up (waiting for the broker) must stop it too.
    let apagado = senal_de_apagado()?;
    tokio::pin!(apagado);
    let configuracion = Configuracion::desde_entorno();
    tracing::info!(
        broker = %configuracion.url_broker,
        base = %configuracion.descripcion_base_datos(),
        "notificaciones arrancando"
    );
    let aplicacion = tokio::select! {
        aplicacion = Aplicacion::construir(&configuracion) => aplicacion?,
        senal = &mut apagado => {
            tracing::info!(senal, "notificaciones detenido antes de terminar de arrancar");
            return Ok(());
        }
    };
    aplicacion
        .ejecutar_hasta(async {
            let senal = (&mut apagado).await;
            tracing::info!(senal, "señal recibida");
        })
        .await?;
    tracing::info!("notificaciones detenido");
    Ok(())
}

/// Resolves on the first SIGINT or SIGTERM, with the signal's name.
fn senal_de_apagado() -> std::io::Result<impl Future<Output = &'static str>> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = sigint.recv() => "SIGINT",
            _ = sigterm.recv() => "SIGTERM",
        }
    })
}

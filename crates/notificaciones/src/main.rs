//! The notificaciones binary: reads the configuration, connects, consumes the reservation
//! events until SIGINT or SIGTERM, then finishes the message in hand and exits 0.
#![forbid(unsafe_code)]

use notificaciones::startup::Aplicacion;
use notificaciones::Configuracion;
use seedwork_mensajeria::senales::senal_de_apagado;
use seedwork_mensajeria::telemetria;

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
    // Dropping the runtime would wait for every blocking thread, and one stuck on a
    // database that stopped answering never returns: the process ends here, its work
    // done or given up within its deadlines (every log line is already written).
    std::process::exit(0)
}

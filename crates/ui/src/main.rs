//! The ui binary: reads the configuration, connects and subscribes, serves the page and
//! its websocket until SIGINT or SIGTERM, then closes its sessions and consumers and exits 0.
#![forbid(unsafe_code)]

use seedwork_mensajeria::senales::senal_de_apagado;
use seedwork_mensajeria::telemetria;
use ui::startup::Aplicacion;
use ui::Configuracion;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    // Handlers first: a signal during start-up (waiting for the broker) must stop it too.
    let apagado = senal_de_apagado()?;
    tokio::pin!(apagado);
    let configuracion = Configuracion::desde_entorno()?;
    tracing::info!(
        broker = %configuracion.url_broker,
        aeroalpes = %configuracion.url_aeroalpes,
        "ui arrancando"
    );
    let aplicacion = tokio::select! {
        aplicacion = Aplicacion::construir(&configuracion) => aplicacion?,
        senal = &mut apagado => {
            tracing::info!(senal, "ui detenida antes de terminar de arrancar");
            return Ok(());
        }
    };
    tracing::info!(
        puerto = aplicacion.puerto(),
        suscripcion = aplicacion.suscripcion(),
        "ui escuchando en http://{}:{}",
        configuracion.host,
        aplicacion.puerto()
    );
    aplicacion
        .ejecutar_hasta(async {
            let senal = (&mut apagado).await;
            tracing::info!(senal, "señal recibida");
        })
        .await?;
    tracing::info!("ui detenida");
    Ok(())
}

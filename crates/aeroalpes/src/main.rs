//! The aeroalpes binary: reads the configuration, starts the application, runs until
//! SIGINT or SIGTERM, then drains in-flight requests.

use aeroalpes::configuracion::Configuracion;
use aeroalpes::startup::Aplicacion;
use aeroalpes::telemetria;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    let configuracion = Configuracion::desde_entorno()?;
    let aplicacion = Aplicacion::construir(&configuracion).await?;
    tracing::info!(
        puerto = aplicacion.puerto(),
        "aeroalpes escuchando en http://{}:{}",
        configuracion.host,
        aplicacion.puerto()
    );
    aplicacion.ejecutar_hasta_detener().await?;
    tracing::info!("aeroalpes detenido");
    Ok(())
}

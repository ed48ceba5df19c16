//! The adaptador binary: reads the configuration, serves gRPC until SIGINT or SIGTERM,
//! then finishes the calls in progress and exits 0.
#![forbid(unsafe_code)]

use adaptador::configuracion::Configuracion;
use adaptador::startup::Adaptador;
use seedwork_mensajeria::senales::senal_de_apagado;
use seedwork_mensajeria::telemetria;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetria::inicializar();
    let senal = senal_de_apagado()?;
    let apagado = async move {
        let nombre = senal.await;
        tracing::info!("{nombre} recibido: deteniendo");
    };
    let configuracion = Configuracion::desde_entorno()?;
    tracing::info!(aeroalpes = %configuracion.url_aeroalpes, "adaptador arrancando");
    let adaptador = Adaptador::construir(&configuracion).await?;
    adaptador.ejecutar_hasta(apagado).await?;
    tracing::info!("adaptador detenido");
    Ok(())
}

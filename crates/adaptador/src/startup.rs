//! The composition root of the adaptador: binds the port, builds the AeroAlpes client and
//! serves `vuelos.Vuelos` with the gRPC health and reflection services.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::aeroalpes::ClienteAeroalpes;
use crate::configuracion::Configuracion;
use crate::proto::vuelos_server::VuelosServer;
use crate::proto::DESCRIPTOR;
use crate::servicio::ServicioVuelos;

/// The adaptador, bound and ready to serve.
pub struct Adaptador {
    escucha: TcpListener,
    direccion: SocketAddr,
    servicio: ServicioVuelos,
}

impl Adaptador {
    /// Binds `host:puerto` (port 0 picks a free one); AeroAlpes is not called yet.
    pub async fn construir(configuracion: &Configuracion) -> anyhow::Result<Self> {
        let aeroalpes = ClienteAeroalpes::new(
            configuracion.url_aeroalpes.clone(),
            configuracion.tiempo_espera,
        )
        .context("building the HTTP client of AeroAlpes")?;
        let escucha = TcpListener::bind((configuracion.host.as_str(), configuracion.puerto))
            .await
            .with_context(|| {
                format!(
                    "binding {}:{} (port {}; ADAPTADOR_PORT changes it)",
                    configuracion.host, configuracion.puerto, configuracion.puerto
                )
            })?;
        let direccion = escucha.local_addr()?;
        Ok(Adaptador {
            escucha,
            direccion,
            servicio: ServicioVuelos::new(aeroalpes),
        })
    }

    pub fn puerto(&self) -> u16 {
        self.direccion.port()
    }

    /// Serves until `apagado` resolves, then stops taking calls and finishes those in
    /// progress.
    pub async fn ejecutar_hasta(self, apagado: impl Future<Output = ()>) -> anyhow::Result<()> {
        let (mut salud, servicio_salud) = tonic_health::server::health_reporter();
        salud.set_serving::<VuelosServer<ServicioVuelos>>().await;
        // v1 and v1alpha: grpcurl and other tools older than the v1 service ask v1alpha.
        let reflexion_v1 = reflexion()
            .build_v1()
            .context("building the reflection service")?;
        let reflexion_alfa = reflexion()
            .build_v1alpha()
            .context("building the v1alpha reflection service")?;
        tracing::info!(direccion = %self.direccion, "adaptador gRPC escuchando");
        Server::builder()
            .add_service(servicio_salud)
            .add_service(reflexion_v1)
            .add_service(reflexion_alfa)
            .add_service(VuelosServer::new(self.servicio))
            .serve_with_incoming_shutdown(TcpListenerStream::new(self.escucha), apagado)
            .await
            .context("serving gRPC")?;
        Ok(())
    }
}

/// The reflection service's builder, knowing every service served here.
fn reflexion() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(DESCRIPTOR)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_port_names_the_port_and_adaptador_port() {
        let ocupado = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let puerto = ocupado.local_addr().expect("its address").port();
        let configuracion = Configuracion {
            host: "127.0.0.1".into(),
            puerto,
            url_aeroalpes: "http://127.0.0.1:1".into(),
            tiempo_espera: std::time::Duration::from_secs(1),
        };
        let error = Adaptador::construir(&configuracion)
            .await
            .err()
            .expect("the port is taken");
        let texto = format!("{error:#}");
        assert!(texto.contains(&format!("127.0.0.1:{puerto}")), "{texto}");
        assert!(texto.contains("ADAPTADOR_PORT"), "{texto}");
    }
}

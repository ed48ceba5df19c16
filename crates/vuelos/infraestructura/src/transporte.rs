//! The durable command transport: a command is accepted by writing its record to the outbox
//! in one transaction (with its `EnProceso` request: a creation's, or the latest lifecycle
//! command of the reservation), so an accepted
//! command is stored before the client hears 202 and leaves through the relay even if the
//! broker is down at that moment.

use async_trait::async_trait;
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::ErrorPersistencia;
use seedwork_persistencia::UnidadTrabajoDiesel;
use vuelos_aplicacion::{
    ComandoReserva, Conversacion, ErrorVuelos, FabricaRepositorios, RepositorioSolicitudes,
    TransporteComandos,
};
use vuelos_contrato::Metadatos;

use crate::fabrica::FabricaRepositoriosDiesel;
use crate::integracion::comando_al_outbox;

/// Sends commands through the outbox (and so, by the relay, over Pulsar).
#[derive(Clone)]
pub struct TransporteOutbox {
    uow: UnidadTrabajoDiesel,
}

impl TransporteOutbox {
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self { uow }
    }
}

#[async_trait]
impl TransporteComandos for TransporteOutbox {
    #[tracing::instrument(name = "encolar_comando", skip_all, fields(id_reserva = %comando.id_reserva()))]
    async fn enviar(
        &self,
        comando: ComandoReserva,
        conversacion: Conversacion,
    ) -> Result<(), ErrorVuelos> {
        let metadatos = match conversacion.correlation_id {
            Some(correlacion) => Metadatos::nuevos().correlacionados(correlacion),
            None => Metadatos::nuevos(),
        };
        let mensaje =
            comando_al_outbox(&comando, &metadatos).map_err(ErrorPersistencia::inesperado)?;
        let creacion = comando.creacion().map(|crear| crear.id);
        let accion = comando
            .accion()
            .map(|accion| (comando.id_reserva(), accion));
        let tipo = mensaje.tipo.clone();
        self.uow
            .ejecutar(move |tx| {
                if let Some(id) = creacion {
                    FabricaRepositoriosDiesel.solicitudes(tx).registrar(id)?;
                }
                if let Some((id, accion)) = accion {
                    FabricaRepositoriosDiesel
                        .solicitudes(tx)
                        .aceptar_accion(id, accion)?;
                }
                tx.agregar_al_outbox(&mensaje)?;
                Ok::<_, ErrorUnidadTrabajo>(())
            })
            .await
            .map_err(ErrorVuelos::from)?;
        metrics::counter!("aeroalpes_comandos_total", "tipo" => tipo, "resultado" => "aceptado")
            .increment(1);
        Ok(())
    }
}

//! The command dispatcher over Pulsar: a command is accepted by writing it to the outbox in
//! one transaction (with, for a creation, its `EnProceso` request), so an accepted command
//! is durable before the client hears 202 and leaves through the relay even if the broker
//! is down at that moment.

use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_infraestructura::UnidadTrabajoDiesel;
use vuelos_aplicacion::comandos::CrearReserva;
use vuelos_aplicacion::ErrorVuelos;
use vuelos_dominio::IdReserva;

use crate::esquemas::{ComandoCrearReserva, ComandoIntegracion, ErrorAvro, Metadatos};
use crate::integracion::comando_al_outbox;
use crate::solicitudes::{self, EstadoSolicitud};

#[derive(Clone)]
pub struct DespachadorComandosPulsar {
    uow: UnidadTrabajoDiesel,
}

fn inesperado(error: ErrorAvro) -> ErrorVuelos {
    ErrorVuelos::Persistencia(seedwork_dominio::ErrorPersistencia::Inesperado(
        error.to_string(),
    ))
}

impl DespachadorComandosPulsar {
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self { uow }
    }

    /// Accepts the creation of a reservation: records the request and queues the command.
    #[tracing::instrument(name = "encolar_crear_reserva", skip_all, fields(id_reserva = %comando.id))]
    pub async fn encolar_creacion(
        &self,
        comando: CrearReserva,
        metadatos: Metadatos,
    ) -> Result<(), ErrorVuelos> {
        let mensaje =
            comando_al_outbox::<ComandoCrearReserva>(&comando, &metadatos).map_err(inesperado)?;
        let id = comando.id;
        self.uow
            .ejecutar(move |tx| {
                solicitudes::registrar(tx.conexion(), id)?;
                tx.agregar_al_outbox(&mensaje)?;
                Ok::<_, ErrorUnidadTrabajo>(())
            })
            .await
            .map_err(ErrorVuelos::from)
    }

    /// Accepts any other command: queues it.
    pub async fn encolar<C: ComandoIntegracion>(
        &self,
        comando: &C::Comando,
        metadatos: Metadatos,
    ) -> Result<(), ErrorVuelos> {
        let mensaje = comando_al_outbox::<C>(comando, &metadatos).map_err(inesperado)?;
        self.uow
            .ejecutar(move |tx| Ok::<_, ErrorUnidadTrabajo>(tx.agregar_al_outbox(&mensaje)?))
            .await
            .map_err(ErrorVuelos::from)
    }

    /// Where the asynchronous creation of `id` stands, if it was ever asked for.
    pub async fn estado_solicitud(
        &self,
        id: IdReserva,
    ) -> Result<Option<EstadoSolicitud>, ErrorVuelos> {
        self.uow
            .consultar(move |tx| {
                Ok::<_, ErrorUnidadTrabajo>(solicitudes::consultar(tx.conexion(), id)?)
            })
            .await
            .map_err(ErrorVuelos::from)
    }
}

//! The consumers of the vuelos module: the command consumer turns integration commands
//! into application commands for the local dispatcher (subscription `aeroalpes-sub-comandos`),
//! and the event consumer logs the reservation events it receives (`aeroalpes-sub-eventos`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use apache_avro::Schema;
use async_trait::async_trait;
use seedwork_aplicacion::{Comando, DespachadorComandos, ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::ErrorPersistencia;
use seedwork_infraestructura::mensajeria::{
    en_contexto_de_mensaje, Desenlace, ManejadorMensajes, MensajeEnCurso, MensajeEntrante,
};
use seedwork_infraestructura::UnidadTrabajoDiesel;
use vuelos_aplicacion::ErrorVuelos;
use vuelos_dominio::IdReserva;

use crate::esquemas::{
    ComandoAprobarReserva, ComandoCancelarReserva, ComandoCrearReserva, ComandoIntegracion,
    ComandoPagarReserva, ErrorAvro, EventoIntegracion, EventoReservaAprobada,
    EventoReservaCancelada, EventoReservaCreada, EventoReservaPagada, MensajeIntegracion,
};
use crate::solicitudes;

/// The subscription of the command consumer.
pub const SUSCRIPCION_COMANDOS: &str = "aeroalpes-sub-comandos";
/// The subscription of the event consumer.
pub const SUSCRIPCION_EVENTOS: &str = "aeroalpes-sub-eventos";

/// The command topics this module consumes.
pub const TOPICOS_COMANDOS: [&str; 4] = [
    ComandoCrearReserva::TOPICO,
    ComandoAprobarReserva::TOPICO,
    ComandoCancelarReserva::TOPICO,
    ComandoPagarReserva::TOPICO,
];

/// The event topics this module publishes (and its event consumer logs).
pub const TOPICOS_EVENTOS: [&str; 4] = [
    EventoReservaCreada::TOPICO,
    EventoReservaAprobada::TOPICO,
    EventoReservaCancelada::TOPICO,
    EventoReservaPagada::TOPICO,
];

/// Writer schemas parsed once, by their text.
#[derive(Default)]
struct EsquemasEscritor(Mutex<HashMap<Arc<str>, Arc<Schema>>>);

impl EsquemasEscritor {
    /// Decodes with the writer's schema when it is not the record's own.
    fn decodificar<R: MensajeIntegracion>(
        &self,
        mensaje: &MensajeEntrante,
    ) -> Result<R, ErrorAvro> {
        let escritor = match &mensaje.esquema_escritor {
            Some(texto) if texto.as_ref() != R::ESQUEMA_JSON => Some(self.parsear::<R>(texto)?),
            _ => None,
        };
        R::decodificar(&mensaje.carga, escritor.as_deref())
    }

    fn parsear<R: MensajeIntegracion>(&self, texto: &Arc<str>) -> Result<Arc<Schema>, ErrorAvro> {
        // A poisoned lock only means another message panicked mid-insert; the map is intact.
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(esquema) = cache.get(texto) {
            return Ok(esquema.clone());
        }
        let esquema =
            Arc::new(
                Schema::parse_str(texto).map_err(|e| ErrorAvro::Decodificacion {
                    tipo: R::TIPO,
                    causa: format!("esquema del productor: {e}"),
                })?,
            );
        cache.insert(texto.clone(), esquema.clone());
        Ok(esquema)
    }
}

/// Hands integration commands to the local dispatcher, once each.
pub struct ConsumidorComandos {
    despachador: Arc<DespachadorComandos>,
    uow: UnidadTrabajoDiesel,
    esquemas: EsquemasEscritor,
}

impl ConsumidorComandos {
    pub fn new(despachador: Arc<DespachadorComandos>, uow: UnidadTrabajoDiesel) -> Self {
        Self {
            despachador,
            uow,
            esquemas: EsquemasEscritor::default(),
        }
    }

    async fn atender<R>(&self, mensaje: &MensajeEntrante) -> Desenlace
    where
        R: ComandoIntegracion,
        R::Comando: Comando<Error = ErrorVuelos>,
    {
        let registro: R = match self.esquemas.decodificar(mensaje) {
            Ok(registro) => registro,
            Err(error) => return Desenlace::Rechazado(error.to_string()),
        };
        let id_reserva = registro.clave().and_then(|id| IdReserva::parse(id).ok());
        // Messages of the tutorial's producers have no envelope id: the broker's id is stable.
        let id_mensaje = registro
            .id_mensaje()
            .unwrap_or(&mensaje.id_broker)
            .to_owned();
        let comando = match registro.a_comando() {
            Ok(comando) => comando,
            Err(error) => return self.rechazar::<R>(id_reserva, error.to_string()).await,
        };
        let en_curso = MensajeEnCurso::new(id_mensaje, R::TIPO)
            .correlacionado(registro.correlation_id().map(str::to_owned));
        match en_contexto_de_mensaje(en_curso, self.despachador.despachar(comando)).await {
            Ok(_) => Desenlace::Procesado,
            // Handled before (the inbox has it), or the reservation exists already.
            Err(ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_))) => Desenlace::Procesado,
            Err(
                error @ (ErrorVuelos::Regla(_)
                | ErrorVuelos::NoEncontrada(_)
                | ErrorVuelos::TransicionInvalida { .. }),
            ) => self.rechazar::<R>(id_reserva, error.to_string()).await,
            Err(error) => Desenlace::Reintentar(error.to_string()),
        }
    }

    /// Records a refused creation so the query can answer it, then dead-letters the message.
    async fn rechazar<R: MensajeIntegracion>(
        &self,
        id_reserva: Option<IdReserva>,
        razon: String,
    ) -> Desenlace {
        if let (Some(id), true) = (id_reserva, R::TIPO == ComandoCrearReserva::TIPO) {
            let razon_registrada = razon.clone();
            let registro = self
                .uow
                .ejecutar(move |tx| {
                    Ok::<_, ErrorUnidadTrabajo>(solicitudes::rechazar(
                        tx.conexion(),
                        id,
                        &razon_registrada,
                    )?)
                })
                .await;
            if let Err(error) = registro {
                return Desenlace::Reintentar(format!("no se pudo registrar el rechazo: {error}"));
            }
        }
        Desenlace::Rechazado(razon)
    }
}

#[async_trait]
impl ManejadorMensajes for ConsumidorComandos {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        match mensaje.topico.as_str() {
            ComandoCrearReserva::TOPICO => self.atender::<ComandoCrearReserva>(&mensaje).await,
            ComandoAprobarReserva::TOPICO => self.atender::<ComandoAprobarReserva>(&mensaje).await,
            ComandoCancelarReserva::TOPICO => {
                self.atender::<ComandoCancelarReserva>(&mensaje).await
            }
            ComandoPagarReserva::TOPICO => self.atender::<ComandoPagarReserva>(&mensaje).await,
            otro => Desenlace::Rechazado(format!("el tópico {otro} no lleva comandos de reservas")),
        }
    }
}

/// Logs the reservation events it receives.
#[derive(Default)]
pub struct ConsumidorEventos {
    esquemas: EsquemasEscritor,
}

impl ConsumidorEventos {
    fn registrar<R: EventoIntegracion>(&self, mensaje: &MensajeEntrante) -> Desenlace {
        let notificacion = self
            .esquemas
            .decodificar::<R>(mensaje)
            .map_err(|e| e.to_string())
            .and_then(|registro| registro.a_notificacion().map_err(|e| e.to_string()));
        match notificacion {
            Ok(n) => {
                let id_cliente = n.id_cliente.map(|id| id.to_string()).unwrap_or_default();
                tracing::info!(tipo = R::TIPO, id_reserva = %n.id_reserva, id_cliente, estado = %n.estado, "evento de reserva recibido");
                Desenlace::Procesado
            }
            Err(razon) => Desenlace::Rechazado(razon),
        }
    }
}

#[async_trait]
impl ManejadorMensajes for ConsumidorEventos {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        match mensaje.topico.as_str() {
            EventoReservaCreada::TOPICO => self.registrar::<EventoReservaCreada>(&mensaje),
            EventoReservaAprobada::TOPICO => self.registrar::<EventoReservaAprobada>(&mensaje),
            EventoReservaCancelada::TOPICO => self.registrar::<EventoReservaCancelada>(&mensaje),
            EventoReservaPagada::TOPICO => self.registrar::<EventoReservaPagada>(&mensaje),
            otro => Desenlace::Rechazado(format!("el tópico {otro} no lleva eventos de reservas")),
        }
    }
}

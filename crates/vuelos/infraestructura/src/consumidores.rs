//! The consumers of the vuelos module: the command consumer hands integration commands to
//! the application's handler through the inbox step (subscription `aeroalpes-sub-comandos`),
//! and the event consumer logs the reservation events it receives (`aeroalpes-sub-eventos`).

use async_trait::async_trait;
use seedwork_aplicacion::{ErrorUnidadTrabajo, ManejadorComando, UnidadTrabajo};
use seedwork_dominio::{con_causas, ConCausas, ErrorPersistencia};
use seedwork_mensajeria::{Desenlace, ManejadorMensajes, MensajeEntrante};
use seedwork_persistencia::{Inbox, MensajeEnCurso, Procesado, UnidadTrabajoDiesel};
use vuelos_aplicacion::{
    ErrorVuelos, FabricaRepositorios, ManejadorReservas, RepositorioSolicitudes,
};
use vuelos_contrato::{ComandoVuelos, Decodificador};
use vuelos_dominio::IdReserva;

use crate::fabrica::FabricaRepositoriosDiesel;
use crate::integracion;

/// Hands integration commands to the application, once each.
pub struct ConsumidorComandos {
    uow: UnidadTrabajoDiesel,
    inbox: Inbox,
    decodificador: Decodificador,
}

impl ConsumidorComandos {
    /// `uow` is the composed unit of work (with the in-process handlers of domain events).
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self {
            inbox: Inbox::new(uow.clone()),
            uow,
            decodificador: Decodificador::new(),
        }
    }

    /// Records a refused creation so the query can answer it, then dead-letters the message.
    async fn rechazar(&self, registro: &ComandoVuelos, razon: String) -> Desenlace {
        // Only a creation has a request to refuse; other commands act on a reservation.
        let creacion = match registro {
            ComandoVuelos::Crear(_) => registro.clave().and_then(|id| IdReserva::parse(id).ok()),
            _ => None,
        };
        if let Some(id) = creacion {
            let razon_registrada = razon.clone();
            let registro = self
                .uow
                .ejecutar(move |tx| {
                    FabricaRepositoriosDiesel
                        .solicitudes(tx)
                        .rechazar(id, &razon_registrada)
                        .map_err(ErrorUnidadTrabajo::from)
                })
                .await;
            if let Err(error) = registro {
                return Desenlace::Reintentar(format!(
                    "no se pudo registrar el rechazo: {}",
                    ConCausas(&error)
                ));
            }
        }
        Desenlace::Rechazado(razon)
    }
}

#[async_trait]
impl ManejadorMensajes for ConsumidorComandos {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        let decodificado = self.decodificador.comando(
            &mensaje.topico,
            &mensaje.carga,
            mensaje.esquema_escritor.as_deref(),
        );
        let registro = match decodificado {
            Some(Ok(registro)) => registro,
            Some(Err(error)) => return Desenlace::Rechazado(con_causas(&error)),
            None => {
                return Desenlace::Rechazado(format!(
                    "el tópico {} no lleva comandos de reservas",
                    mensaje.topico
                ))
            }
        };
        let comando = match integracion::a_comando(&registro) {
            Ok(comando) => comando,
            Err(error) => return self.rechazar(&registro, con_causas(&error)).await,
        };
        // Messages of the tutorial's producers have no envelope id: the broker's id is stable.
        let id_mensaje = registro.id_mensaje().unwrap_or(&mensaje.id_broker);
        let en_curso = MensajeEnCurso::new(id_mensaje, registro.tipo())
            .correlacionado(registro.correlation_id().map(str::to_owned));
        let resultado = self
            .inbox
            .procesar(en_curso, |uow| async move {
                ManejadorReservas::new(uow, FabricaRepositoriosDiesel)
                    .manejar(comando)
                    .await
            })
            .await;
        match resultado {
            Procesado::Antes => {
                tracing::info!(id_mensaje, "mensaje repetido: ya se procesó");
                Desenlace::Procesado
            }
            Procesado::Ahora(Ok(_)) => Desenlace::Procesado,
            // The reservation exists already (another message created it).
            Procesado::Ahora(Err(ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_)))) => {
                Desenlace::Procesado
            }
            Procesado::Ahora(Err(
                error @ (ErrorVuelos::Regla(_)
                | ErrorVuelos::NoEncontrada(_)
                | ErrorVuelos::TransicionInvalida { .. }),
            )) => self.rechazar(&registro, con_causas(&error)).await,
            Procesado::Ahora(Err(error)) => Desenlace::Reintentar(con_causas(&error)),
        }
    }
}

/// Logs the reservation events it receives.
#[derive(Default)]
pub struct ConsumidorEventos {
    decodificador: Decodificador,
}

#[async_trait]
impl ManejadorMensajes for ConsumidorEventos {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        let decodificado = self.decodificador.evento(
            &mensaje.topico,
            &mensaje.carga,
            mensaje.esquema_escritor.as_deref(),
        );
        let evento = match decodificado {
            Some(Ok(evento)) => evento,
            Some(Err(error)) => return Desenlace::Rechazado(con_causas(&error)),
            None => {
                return Desenlace::Rechazado(format!(
                    "el tópico {} no lleva eventos de reservas",
                    mensaje.topico
                ))
            }
        };
        match evento.a_notificacion() {
            Ok(n) => {
                let id_cliente = n.id_cliente.map(|id| id.to_string()).unwrap_or_default();
                tracing::info!(tipo = evento.tipo(), id_reserva = %n.id_reserva, id_cliente, estado = n.estado, "evento de reserva recibido");
                Desenlace::Procesado
            }
            Err(error) => Desenlace::Rechazado(con_causas(&error)),
        }
    }
}

//! The consumers of the vuelos module: the command consumer hands integration commands to
//! the application's handler through the inbox step (subscription `aeroalpes-sub-comandos`),
//! and the event consumer logs the reservation events it receives (`aeroalpes-sub-eventos`).

use async_trait::async_trait;
use seedwork_aplicacion::{ErrorUnidadTrabajo, ManejadorComando, UnidadTrabajo};
use seedwork_dominio::{con_causas, ConCausas, ErrorPersistencia};
use seedwork_mensajeria::{anotar_mensaje, Desenlace, ManejadorMensajes, MensajeEntrante};
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

    /// Records a refused command so the query can answer it, and publishes the refusal
    /// (`EventoSolicitudRechazada`, for query services with their own read model) in the
    /// same transaction, then dead-letters the message.
    async fn rechazar(
        &self,
        registro: &ComandoVuelos,
        id_mensaje: &str,
        razon: String,
    ) -> Desenlace {
        tracing::info!(tipo = registro.tipo(), razon = %razon, "comando rechazado");
        metrics::counter!("aeroalpes_comandos_total", "tipo" => registro.tipo(), "resultado" => "rechazado")
            .increment(1);
        // A creation's request is refused; a lifecycle command's, if it is the latest one
        // asked for on its reservation.
        let id = registro.clave().and_then(|id| IdReserva::parse(id).ok());
        let accion = integracion::accion_de(registro);
        if let Some(id) = id {
            let razon_registrada = razon.clone();
            let rechazo = integracion::rechazo_al_outbox(
                id,
                accion,
                &razon,
                id_mensaje,
                registro.correlation_id(),
            );
            let registro = self
                .uow
                .ejecutar(move |tx| {
                    let mut solicitudes = FabricaRepositoriosDiesel.solicitudes(tx);
                    match accion {
                        Some(accion) => {
                            solicitudes.resolver_accion(id, accion, Some(&razon_registrada))
                        }
                        None => solicitudes.rechazar(id, &razon_registrada),
                    }?;
                    let rechazo = rechazo.map_err(ErrorPersistencia::inesperado)?;
                    tx.agregar_al_outbox(&rechazo)
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
            Some(Err(error)) => return ilegible(con_causas(&error)),
            None => {
                return ilegible(format!(
                    "el tópico {} no lleva comandos de reservas",
                    mensaje.topico
                ))
            }
        };
        anotar_mensaje(registro.correlation_id(), registro.clave());
        // Messages of the tutorial's producers have no envelope id: the broker's id is stable.
        let id_mensaje = registro.id_mensaje().unwrap_or(&mensaje.id_broker);
        let comando = match integracion::a_comando(&registro) {
            Ok(comando) => comando,
            Err(error) => {
                return self
                    .rechazar(&registro, id_mensaje, con_causas(&error))
                    .await
            }
        };
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
            Procesado::Ahora(Ok(_)) => manejado(&registro),
            // The reservation exists already (another message created it).
            Procesado::Ahora(Err(ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_)))) => {
                manejado(&registro)
            }
            Procesado::Ahora(Err(
                error @ (ErrorVuelos::Regla(_)
                | ErrorVuelos::NoEncontrada(_)
                | ErrorVuelos::TransicionInvalida { .. }),
            )) => {
                self.rechazar(&registro, id_mensaje, con_causas(&error))
                    .await
            }
            Procesado::Ahora(Err(error)) => Desenlace::Reintentar(con_causas(&error)),
        }
    }
}

/// A command handled: one line naming it (the message's span names the reservation and
/// the conversation) and its count.
fn manejado(registro: &ComandoVuelos) -> Desenlace {
    tracing::info!(tipo = registro.tipo(), "comando manejado");
    metrics::counter!("aeroalpes_comandos_total", "tipo" => registro.tipo(), "resultado" => "manejado")
        .increment(1);
    Desenlace::Procesado
}

/// A message that is no command of ours: dead-lettered unread.
fn ilegible(razon: String) -> Desenlace {
    metrics::counter!("aeroalpes_comandos_total", "tipo" => "desconocido", "resultado" => "dead_letter")
        .increment(1);
    Desenlace::Rechazado(razon)
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
        anotar_mensaje(evento.correlation_id(), None);
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

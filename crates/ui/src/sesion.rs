//! One websocket session: reads the page's orders, runs each in its own task (so a slow
//! aeroalpes never holds the session's events back), and writes to the socket what the
//! router queues for it: replies and events, in the order they were queued.

use std::sync::Arc;

use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use seedwork_dominio::ConCausas;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::aeroalpes::{ClienteAeroalpes, ErrorAeroalpes};
use crate::enrutador::{Enrutador, IdSesion};
use crate::protocolo::{Orden, Peticion, Salida};

/// Orders of one session that may wait for aeroalpes at the same time; more are refused.
pub const ORDENES_EN_CURSO: usize = 8;
/// The longest correlation id taken from the page; a longer or odd one is replaced.
const LARGO_MAXIMO_CORRELACION: usize = 64;

/// What a session needs: the router and aeroalpes.
#[derive(Debug, Clone)]
pub struct Contexto {
    pub enrutador: Arc<Enrutador>,
    pub aeroalpes: ClienteAeroalpes,
}

/// Serves one session until the page closes it, the socket fails, or the router drops it
/// (its queue filled up, or the process is stopping).
pub async fn atender(mut ws: Session, mut entrada: MessageStream, contexto: Contexto) {
    let (sesion, mut cola) = contexto.enrutador.abrir_sesion();
    let en_curso = Arc::new(Semaphore::new(ORDENES_EN_CURSO));
    tracing::debug!(?sesion, "sesión abierta");
    metrics::gauge!("aeroalpes_ui_conexiones").increment(1.0);
    let cierre = loop {
        tokio::select! {
            mensaje = entrada.recv() => match mensaje {
                Some(Ok(Message::Text(texto))) => recibir(&texto, sesion, &contexto, &en_curso),
                Some(Ok(Message::Binary(_))) => {
                    contexto.enrutador.responder(sesion, Salida::error(None, "los mensajes son texto JSON"));
                }
                Some(Ok(Message::Ping(datos))) => {
                    if ws.pong(&datos).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Message::Close(_))) | None => break None,
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::info!(?sesion, %error, "websocket inválido: se cierra");
                    break Some(CloseReason::from(CloseCode::Protocol));
                }
            },
            salida = cola.recv() => match salida {
                Some(salida) => {
                    let texto = match serde_json::to_string(&salida) {
                        Ok(texto) => texto,
                        Err(error) => {
                            tracing::error!(error = %ConCausas(&error), "no se pudo escribir un mensaje");
                            continue;
                        }
                    };
                    if ws.text(texto).await.is_err() {
                        break None;
                    }
                }
                None => break Some(CloseReason {
                    code: CloseCode::Again,
                    description: Some("la sesión se cerró: no leía sus mensajes a tiempo, o el servicio se detiene".into()),
                }),
            },
        }
    };
    contexto.enrutador.cerrar_sesion(sesion);
    metrics::gauge!("aeroalpes_ui_conexiones").decrement(1.0);
    let _ = ws.close(cierre).await;
    tracing::debug!(?sesion, "sesión cerrada");
}

/// Parses one message of the page and starts its order.
fn recibir(texto: &str, sesion: IdSesion, contexto: &Contexto, en_curso: &Arc<Semaphore>) {
    let peticion: Peticion = match serde_json::from_str(texto) {
        Ok(peticion) => peticion,
        Err(error) => {
            contexto.enrutador.responder(
                sesion,
                Salida::error(None, format!("mensaje inválido: {error}")),
            );
            return;
        }
    };
    let correlacion = correlacion_valida(peticion.correlacion);
    let Ok(permiso) = Arc::clone(en_curso).try_acquire_owned() else {
        contexto.enrutador.responder(
            sesion,
            Salida::error(
                Some(correlacion),
                "demasiadas órdenes en curso: espere sus respuestas",
            ),
        );
        return;
    };
    let contexto = contexto.clone();
    tokio::spawn(async move {
        ordenar(peticion.orden, correlacion, sesion, &contexto).await;
        drop(permiso);
    });
}

/// Sends the order to aeroalpes and queues the reply; from then on the session receives
/// the reservation's events.
#[tracing::instrument(skip(orden, contexto))]
async fn ordenar(orden: Orden, correlacion: String, sesion: IdSesion, contexto: &Contexto) {
    let enrutador = &contexto.enrutador;
    match orden {
        Orden::Crear { reserva } => match contexto.aeroalpes.crear(&reserva, &correlacion).await {
            Ok(id) => {
                // The reply first, then the events (some may have arrived already).
                enrutador.responder(
                    sesion,
                    Salida::Aceptada {
                        correlacion: Some(correlacion),
                        id,
                        orden: "crear",
                    },
                );
                enrutador.esperar(sesion, id);
            }
            Err(error) => {
                enrutador.responder(sesion, rechazo(error, correlacion, None));
            }
        },
        Orden::Accion { accion, id } => {
            // Waiting before sending: the event may arrive before aeroalpes' answer.
            enrutador.esperar(sesion, id);
            let salida = match contexto.aeroalpes.ordenar(id, accion, &correlacion).await {
                Ok(()) => Salida::Aceptada {
                    correlacion: Some(correlacion),
                    id,
                    orden: accion.as_str(),
                },
                Err(error) => rechazo(error, correlacion, Some(id)),
            };
            enrutador.responder(sesion, salida);
        }
    }
}

/// What the page is told when aeroalpes does not accept an order.
fn rechazo(error: ErrorAeroalpes, correlacion: String, id: Option<Uuid>) -> Salida {
    match error {
        ErrorAeroalpes::Rechazada { error, regla, .. } => Salida::Error {
            correlacion: Some(correlacion),
            id,
            error,
            regla,
        },
        otro => {
            tracing::warn!(error = %ConCausas(&otro), "aeroalpes no aceptó la orden");
            Salida::Error {
                correlacion: Some(correlacion),
                id,
                error: otro.to_string(),
                regla: None,
            }
        }
    }
}

/// The page's correlation id if it is short and plain (it becomes an HTTP header), else a
/// new one.
fn correlacion_valida(propuesta: Option<String>) -> String {
    propuesta
        .filter(|texto| {
            !texto.is_empty()
                && texto.len() <= LARGO_MAXIMO_CORRELACION
                && texto
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .unwrap_or_else(|| Uuid::new_v4().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_correlation_id_is_kept_and_an_odd_one_replaced() {
        assert_eq!(
            correlacion_valida(Some("pagina-1.a_b".into())),
            "pagina-1.a_b"
        );
        for odd in ["", "con espacio", "salto\r\nX-Otra: 1", &"x".repeat(65)] {
            let nueva = correlacion_valida(Some(odd.to_owned()));
            assert_ne!(nueva, odd);
            assert!(Uuid::parse_str(&nueva).is_ok());
        }
        assert!(Uuid::parse_str(&correlacion_valida(None)).is_ok());
    }
}

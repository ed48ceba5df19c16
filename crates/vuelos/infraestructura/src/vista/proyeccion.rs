//! The projection that keeps a query service's read model current: it reads the commands
//! accepted asynchronously (to answer `EnProceso` before anything else is known), the
//! reservation events and the refusals, each message once through the read database's
//! inbox, and applies each as one change of [`crate::vista`] in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::{con_causas, ErrorPersistencia};
use seedwork_mensajeria::{anotar_mensaje, Desenlace, ManejadorMensajes, MensajeEntrante};
use seedwork_persistencia::{Conexion, Inbox, MensajeEnCurso, Procesado, UnidadTrabajoDiesel};
use vuelos_aplicacion::dto::ItinerarioDTO;
use vuelos_contrato::{
    Decodificador, EventoSolicitudRechazada, EventoVuelos, MensajeIntegracion, SolicitudVuelos,
    TipoEventoVuelos,
};
use vuelos_dominio::{AccionReserva, EstadoReserva, IdReserva};

use crate::integracion;
use crate::vista::{self, ReservaCreadaEnVista};

/// One change of the read model, read from one message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cambio {
    /// A command was accepted (issued at `fecha`).
    Aceptado {
        id_reserva: String,
        accion: Option<AccionReserva>,
        fecha: NaiveDateTime,
    },
    /// A reservation was created; `causa`, the command message that created it.
    Creada {
        reserva: ReservaCreadaEnVista,
        causa: Option<String>,
    },
    /// A reservation moved along its lifecycle by `accion`.
    Cambiada {
        id_reserva: String,
        id_cliente: Option<String>,
        estado: EstadoReserva,
        accion: AccionReserva,
        fecha: NaiveDateTime,
        causa: Option<String>,
    },
    /// The command of message `causa` was refused.
    Rechazado {
        causa: String,
        id_reserva: String,
        accion: Option<AccionReserva>,
        razon: String,
        fecha: NaiveDateTime,
    },
}

/// The projection of the read model, over the query service's own database.
pub struct ProyeccionVista {
    inbox: Inbox,
    decodificador: Decodificador,
}

impl ProyeccionVista {
    /// `uow` works on the read database (no in-process handlers: nothing is published).
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self {
            inbox: Inbox::new(uow),
            decodificador: Decodificador::new(),
        }
    }

    /// The message's id (for the inbox), record name and change; `Err` with the reason
    /// when it can never be applied.
    fn leer(&self, mensaje: &MensajeEntrante) -> Result<(String, &'static str, Cambio), String> {
        let escritor = mensaje.esquema_escritor.as_deref();
        if let Some(comando) = self
            .decodificador
            .comando(&mensaje.topico, &mensaje.carga, escritor)
        {
            let comando = comando.map_err(|e| con_causas(&e))?;
            anotar_mensaje(comando.correlation_id(), comando.clave());
            let id_reserva = id_reserva(comando.clave())?;
            let id_mensaje = comando
                .id_mensaje()
                .unwrap_or(&mensaje.id_broker)
                .to_owned();
            let cambio = Cambio::Aceptado {
                id_reserva,
                accion: integracion::accion_de(&comando),
                fecha: fecha(comando.time()),
            };
            return Ok((id_mensaje, comando.tipo(), cambio));
        }
        if let Some(evento) = self
            .decodificador
            .evento(&mensaje.topico, &mensaje.carga, escritor)
        {
            let evento = evento.map_err(|e| con_causas(&e))?;
            return leer_evento(&evento, &mensaje.id_broker).map_err(|e| con_causas(&e));
        }
        if let Some(solicitud) =
            self.decodificador
                .solicitud(&mensaje.topico, &mensaje.carga, escritor)
        {
            let SolicitudVuelos::Rechazada(registro) = solicitud.map_err(|e| con_causas(&e))?;
            return leer_rechazo(&registro, &mensaje.id_broker);
        }
        Err(format!(
            "el tópico {} no alimenta la vista de reservas",
            mensaje.topico
        ))
    }
}

fn id_reserva(clave: Option<&str>) -> Result<String, String> {
    let texto = clave.ok_or("el mensaje no nombra su reserva (data.id_reserva)")?;
    IdReserva::parse(texto)
        .map(|id| id.to_string())
        .map_err(|regla| format!("data.id_reserva: {regla}"))
}

/// A date of a message (ms since the epoch); now when it has none or it is out of range.
fn fecha(milisegundos: Option<i64>) -> NaiveDateTime {
    milisegundos
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_else(Utc::now)
        .naive_utc()
}

fn leer_evento(
    evento: &EventoVuelos,
    id_broker: &str,
) -> Result<(String, &'static str, Cambio), vuelos_contrato::ErrorConversion> {
    anotar_mensaje(evento.correlation_id(), None);
    let notificacion = evento.a_notificacion()?;
    let id_mensaje = evento
        .id_mensaje()?
        .map_or_else(|| id_broker.to_owned(), |id| id.to_string());
    let causa = evento.causation_id().map(str::to_owned);
    let id_reserva = notificacion.id_reserva.to_string();
    let id_cliente = notificacion.id_cliente.map(|id| id.to_string());
    let cuando = notificacion.fecha.naive_utc();
    let accion = match evento.tipo_evento() {
        TipoEventoVuelos::Creada => None,
        TipoEventoVuelos::Aprobada => Some(AccionReserva::Aprobar),
        TipoEventoVuelos::Cancelada => Some(AccionReserva::Cancelar),
        TipoEventoVuelos::Pagada => Some(AccionReserva::Pagar),
    };
    let cambio = match (evento, accion) {
        (EventoVuelos::Creada(registro), _) => {
            let itinerarios: Vec<ItinerarioDTO> = integracion::itinerarios_del_evento(registro)?
                .iter()
                .map(ItinerarioDTO::from)
                .collect();
            // DTOs of strings and lists: encoding them cannot fail.
            let itinerarios = serde_json::to_string(&itinerarios).unwrap_or_default();
            Cambio::Creada {
                reserva: ReservaCreadaEnVista {
                    id: id_reserva,
                    id_cliente,
                    itinerarios,
                    fecha_creacion: cuando,
                },
                causa,
            }
        }
        (_, Some(accion)) => Cambio::Cambiada {
            id_reserva,
            id_cliente,
            // `a_notificacion` only reads the states of the contract, the domain's.
            estado: notificacion
                .estado
                .parse()
                .unwrap_or(EstadoReserva::Pendiente),
            accion,
            fecha: cuando,
            causa,
        },
        (_, None) => unreachable!("only a creation has no action"),
    };
    Ok((id_mensaje, evento.tipo(), cambio))
}

fn leer_rechazo(
    registro: &EventoSolicitudRechazada,
    id_broker: &str,
) -> Result<(String, &'static str, Cambio), String> {
    let carga = registro.carga().map_err(|e| con_causas(&e))?;
    anotar_mensaje(registro.correlation_id(), carga.id_reserva.as_deref());
    let id_reserva = id_reserva(carga.id_reserva.as_deref())?;
    let accion = match carga.accion.as_deref() {
        None => None,
        Some(texto) => Some(
            vista::accion_de(texto)
                .ok_or_else(|| format!("data.accion: acción desconocida '{texto}'"))?,
        ),
    };
    let id_mensaje = registro.id_mensaje().unwrap_or(id_broker).to_owned();
    let cambio = Cambio::Rechazado {
        // A refusal names the command it refuses; one that does not is its own request.
        causa: registro
            .causation_id
            .clone()
            .unwrap_or_else(|| id_mensaje.clone()),
        id_reserva,
        accion,
        razon: carga.razon.clone().unwrap_or_default(),
        fecha: fecha(carga.fecha),
    };
    Ok((id_mensaje, EventoSolicitudRechazada::TIPO, cambio))
}

/// Applies one change, in the caller's transaction.
fn aplicar(
    conexion: &mut Conexion,
    id_mensaje: &str,
    cambio: &Cambio,
) -> Result<(), ErrorPersistencia> {
    match cambio {
        Cambio::Aceptado {
            id_reserva,
            accion,
            fecha,
        } => vista::aceptar(conexion, id_mensaje, id_reserva, *accion, *fecha),
        Cambio::Creada { reserva, causa } => {
            vista::crear(conexion, reserva)?;
            match causa {
                Some(causa) => vista::resolver(
                    conexion,
                    causa,
                    &reserva.id,
                    None,
                    &vista::Desenlace::Aplicada,
                    reserva.fecha_creacion,
                ),
                None => Ok(()),
            }
        }
        Cambio::Cambiada {
            id_reserva,
            id_cliente,
            estado,
            accion,
            fecha,
            causa,
        } => {
            vista::cambiar_estado(conexion, id_reserva, id_cliente.as_deref(), *estado, *fecha)?;
            match causa {
                Some(causa) => vista::resolver(
                    conexion,
                    causa,
                    id_reserva,
                    Some(*accion),
                    &vista::Desenlace::Aplicada,
                    *fecha,
                ),
                None => Ok(()),
            }
        }
        Cambio::Rechazado {
            causa,
            id_reserva,
            accion,
            razon,
            fecha,
        } => vista::resolver(
            conexion,
            causa,
            id_reserva,
            *accion,
            &vista::Desenlace::Rechazada(razon.clone()),
            *fecha,
        ),
    }
}

#[async_trait]
impl ManejadorMensajes for ProyeccionVista {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        let (id_mensaje, tipo, cambio) = match self.leer(&mensaje) {
            Ok(leido) => leido,
            Err(razon) => {
                metrics::counter!("aeroalpes_vista_mensajes_total", "resultado" => "dead_letter")
                    .increment(1);
                return Desenlace::Rechazado(razon);
            }
        };
        let en_curso = MensajeEnCurso::new(&id_mensaje, tipo);
        let resultado = self
            .inbox
            .procesar(en_curso, |uow| async move {
                uow.ejecutar(move |tx| {
                    aplicar(tx.conexion(), &id_mensaje, &cambio).map_err(ErrorUnidadTrabajo::from)
                })
                .await
            })
            .await;
        match resultado {
            Procesado::Antes | Procesado::Ahora(Ok(())) => {
                metrics::counter!("aeroalpes_vista_mensajes_total", "resultado" => "aplicado")
                    .increment(1);
                Desenlace::Procesado
            }
            // Two messages of one reservation applied at once on PostgreSQL: the second
            // insert of its row fails; applied again, it finds the row.
            Procesado::Ahora(Err(error)) => Desenlace::Reintentar(con_causas(&error)),
        }
    }
}

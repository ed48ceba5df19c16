//! The event records (`EventoReservaCreada`, `EventoReservaAprobada`,
//! `EventoReservaCancelada`, `EventoReservaPagada`), built from the domain events, and the
//! small read model their consumers (notifications, the browser) need.

use chrono::{DateTime, Utc};
use seedwork_dominio::EventoDominio;
use serde::{Deserialize, Serialize};
use vuelos_dominio::{
    EstadoReserva, IdCliente, IdReserva, ReservaAprobada, ReservaCancelada, ReservaCreada,
    ReservaPagada,
};

use super::campos::{milisegundos, Campos};
use super::errores::ErrorConversion;
use super::sobre::Metadatos;
use super::{mensaje_integracion, MensajeIntegracion};

/// An event record: built from a domain event, read by consumers as a notification.
pub trait EventoIntegracion: MensajeIntegracion {
    type Evento: EventoDominio;

    /// The record of a domain event. `time` is when the event happened; the envelope's
    /// `id` is `metadatos.id_mensaje`, which the outbox sets to the event's `id_evento`.
    fn desde_evento(evento: &Self::Evento, metadatos: &Metadatos) -> Self;

    /// What a consumer needs to tell someone about the reservation.
    fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion>;
}

/// A reservation changed: the read model of every reservation event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificacionReserva {
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
    pub estado: EstadoReserva,
    /// When it was created (`EventoReservaCreada`) or changed (the others).
    pub fecha: DateTime<Utc>,
}

/// Reads the four fields every reservation payload has; `fecha` names the date field.
fn notificacion(
    campos: Campos,
    id_reserva: &Option<String>,
    id_cliente: &Option<String>,
    estado: &Option<String>,
    fecha: (&Option<i64>, &str),
) -> Result<NotificacionReserva, ErrorConversion> {
    campos.todos_presentes(&[
        ("data.id_reserva", id_reserva.is_none()),
        ("data.estado", estado.is_none()),
        (fecha.1, fecha.0.is_none()),
    ])?;
    let texto_estado = campos.requerido(estado, "data.estado")?;
    Ok(NotificacionReserva {
        id_reserva: campos.id_reserva(id_reserva, "data.id_reserva")?,
        id_cliente: campos.id_cliente(id_cliente, "data.id_cliente")?,
        estado: texto_estado
            .parse()
            .map_err(|regla| campos.invalido("data.estado", regla))?,
        fecha: campos.fecha(fecha.0, fecha.1)?,
    })
}

/// An event record and its payload: the reservation, its client, the state it reached and
/// when (`$fecha`: `fecha_creacion` in the tutorial's `ReservaCreadaPayload`,
/// `fecha_actualizacion` in the others), read from the domain event `$e`.
macro_rules! evento_reserva {
    (
        $(#[$doc:meta])* $registro:ident = Sobre<$carga:ident>, $topico:literal,
        desde $evento:ident |$e:ident| ($estado:expr, $fecha:ident: $valor_fecha:expr)
    ) => {
        #[doc = concat!("The payload of `", stringify!($registro), "`.")]
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $carga {
            pub id_reserva: Option<String>,
            pub id_cliente: Option<String>,
            pub estado: Option<String>,
            /// Milliseconds since the epoch.
            pub $fecha: Option<i64>,
        }

        mensaje_integracion!($(#[$doc])* $registro = Sobre<$carga>, $topico);

        impl EventoIntegracion for $registro {
            type Evento = $evento;

            fn desde_evento($e: &$evento, metadatos: &Metadatos) -> Self {
                let estado: EstadoReserva = $estado;
                let carga = $carga {
                    id_reserva: Some($e.id_reserva.to_string()),
                    id_cliente: $e.id_cliente.map(|id| id.to_string()),
                    estado: Some(estado.as_str().to_owned()),
                    $fecha: Some(milisegundos($valor_fecha)),
                };
                Self::envolver(carga, metadatos, $e.fecha_evento)
            }

            fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion> {
                let carga = self.carga()?;
                notificacion(
                    Campos::de::<Self>(),
                    &carga.id_reserva,
                    &carga.id_cliente,
                    &carga.estado,
                    (&carga.$fecha, concat!("data.", stringify!($fecha))),
                )
            }
        }
    };
}

evento_reserva!(
    /// A reservation was created, on `eventos-reserva` (as in the tutorial).
    EventoReservaCreada = Sobre<ReservaCreadaPayload>,
    "eventos-reserva",
    desde ReservaCreada |evento| (evento.estado, fecha_creacion: evento.fecha_creacion)
);
evento_reserva!(
    /// A reservation was approved, on `eventos-reserva-aprobada`.
    EventoReservaAprobada = Sobre<ReservaAprobadaPayload>,
    "eventos-reserva-aprobada",
    desde ReservaAprobada |evento| (EstadoReserva::Aprobada, fecha_actualizacion: evento.fecha_evento)
);
evento_reserva!(
    /// A reservation was cancelled, on `eventos-reserva-cancelada`.
    EventoReservaCancelada = Sobre<ReservaCanceladaPayload>,
    "eventos-reserva-cancelada",
    desde ReservaCancelada |evento| (EstadoReserva::Cancelada, fecha_actualizacion: evento.fecha_evento)
);
evento_reserva!(
    /// A reservation was paid, on `eventos-reserva-pagada`.
    EventoReservaPagada = Sobre<ReservaPagadaPayload>,
    "eventos-reserva-pagada",
    desde ReservaPagada |evento| (EstadoReserva::Pagada, fecha_actualizacion: evento.fecha_evento)
);

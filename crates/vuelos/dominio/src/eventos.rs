//! The domain events a reservation raises.

use chrono::{DateTime, Utc};
use seedwork_dominio::evento_dominio;
use uuid::Uuid;

use crate::estado::EstadoReserva;
use crate::ids::{IdCliente, IdReserva};
use crate::itinerario::Itinerario;

/// A reservation was created (in state `Pendiente`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaCreada {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
    pub estado: EstadoReserva,
    pub fecha_creacion: DateTime<Utc>,
    /// The whole reservation travels with its creation: whoever keeps a copy of it (the
    /// query service's read model) needs nothing else.
    pub itinerarios: Vec<Itinerario>,
}
evento_dominio!(ReservaCreada);

/// A pending reservation was approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaAprobada {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
}
evento_dominio!(ReservaAprobada);

/// A reservation was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaCancelada {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
}
evento_dominio!(ReservaCancelada);

/// An approved reservation was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaPagada {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
}
evento_dominio!(ReservaPagada);

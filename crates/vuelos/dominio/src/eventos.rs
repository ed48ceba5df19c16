//! The domain events a reservation raises.

use chrono::{DateTime, Utc};
use seedwork_dominio::evento_dominio;
use uuid::Uuid;

use crate::estado::EstadoReserva;
use crate::ids::{IdCliente, IdReserva};

/// A reservation was created (in state `Pendiente`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaCreada {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_reserva: IdReserva,
    pub id_cliente: Option<IdCliente>,
    pub estado: EstadoReserva,
    pub fecha_creacion: DateTime<Utc>,
}
evento_dominio!(ReservaCreada);

macro_rules! evento_de_ciclo_de_vida {
    ($(#[$doc:meta])* $tipo:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $tipo {
            pub id_evento: Uuid,
            pub fecha_evento: DateTime<Utc>,
            pub id_reserva: IdReserva,
            pub id_cliente: Option<IdCliente>,
        }
        evento_dominio!($tipo);
    };
}

evento_de_ciclo_de_vida!(
    /// A pending reservation was approved.
    ReservaAprobada
);
evento_de_ciclo_de_vida!(
    /// A reservation was cancelled.
    ReservaCancelada
);
evento_de_ciclo_de_vida!(
    /// An approved reservation was paid.
    ReservaPagada
);

//! Domain events raised by the `Usuario` aggregate.

use chrono::{DateTime, Utc};
use seedwork_dominio::evento_dominio;
use uuid::Uuid;

use crate::cliente::{Cliente, TipoCliente};
use crate::email::Email;
use crate::ids::{IdReservaCliente, IdUsuario};
use crate::nombre::Nombre;

/// A user registered as a natural or company client.
#[derive(Debug, Clone, PartialEq)]
pub struct UsuarioRegistrado {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_usuario: IdUsuario,
    pub email: Email,
    pub tipo: TipoCliente,
    /// The whole user travels with its registration (but its password): whoever keeps a
    /// copy of users (the query service's read model) needs nothing else.
    pub nombre: Nombre,
    pub cliente: Cliente,
}
evento_dominio!(UsuarioRegistrado);

/// A user was deactivated: it can no longer authenticate nor take on reservations.
#[derive(Debug, Clone, PartialEq)]
pub struct UsuarioDesactivado {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_usuario: IdUsuario,
}
evento_dominio!(UsuarioDesactivado);

/// A reservation (of the vuelos module) was added to a user's list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservaAgregadaAUsuario {
    pub id_evento: Uuid,
    pub fecha_evento: DateTime<Utc>,
    pub id_usuario: IdUsuario,
    pub id_reserva: IdReservaCliente,
}
evento_dominio!(ReservaAgregadaAUsuario);

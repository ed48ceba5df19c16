//! Typed identities of the vuelos module.

use seedwork_dominio::impl_identidad;
use uuid::Uuid;

/// The identity of a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdReserva(Uuid);

impl_identidad!(IdReserva, "IdReservaValido");

/// The identity of the client a reservation belongs to (a user of the clientes module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdCliente(Uuid);

impl_identidad!(IdCliente, "IdClienteValido");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_a_round_trip_through_text() {
        let id = IdReserva::nuevo();
        assert_eq!(IdReserva::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn text_that_is_not_a_uuid_is_refused_naming_the_rule() {
        assert_eq!(
            IdCliente::parse("abc").unwrap_err().regla,
            "IdClienteValido"
        );
    }
}

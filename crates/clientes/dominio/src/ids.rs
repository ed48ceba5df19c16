//! Identities of the clientes module: users, and the reservations a user holds.

use seedwork_dominio::impl_identidad;
use uuid::Uuid;

/// The identity of a [`Usuario`](crate::Usuario); the vuelos module knows it as `id_cliente`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdUsuario(Uuid);

impl_identidad!(IdUsuario, "IdUsuarioValido");

/// A reservation held by a user. Clientes only keeps the id: the reservation itself
/// belongs to the vuelos module, which announces it through its `ReservaCreada` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdReservaCliente(Uuid);

impl_identidad!(IdReservaCliente, "IdReservaClienteValido");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_a_round_trip_through_its_text() {
        let id = IdUsuario::nuevo();
        assert_eq!(id.to_string().parse::<IdUsuario>(), Ok(id));
        assert_eq!(IdUsuario::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn text_that_is_not_a_uuid_is_not_an_id() {
        assert!("no-es-un-uuid".parse::<IdReservaCliente>().is_err());
    }

    #[test]
    fn text_that_is_not_a_uuid_is_refused_naming_the_rule() {
        assert_eq!(
            IdUsuario::parse("no-es-un-uuid").unwrap_err().regla,
            "IdUsuarioValido"
        );
        assert_eq!(
            "abc".parse::<IdReservaCliente>().unwrap_err().regla,
            "IdReservaClienteValido"
        );
    }

    #[test]
    fn two_fresh_ids_differ() {
        assert_ne!(IdReservaCliente::nuevo(), IdReservaCliente::nuevo());
    }

    #[test]
    fn fresh_ids_are_time_ordered_uuid_v7() {
        let (primero, segundo) = (IdUsuario::nuevo(), IdUsuario::nuevo());
        assert_eq!(primero.uuid().get_version_num(), 7);
        assert!(primero < segundo);
    }
}

//! Identities of the clientes module: users, and the reservations a user holds.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// The identity of a [`Usuario`](crate::Usuario); the vuelos module knows it as `id_cliente`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdUsuario(Uuid);

/// A reservation held by a user. Clientes only keeps the id: the reservation itself belongs
/// to the vuelos module, which announces it through its `ReservaCreada` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdReservaCliente(Uuid);

macro_rules! identidad_uuid {
    ($tipo:ident) => {
        impl $tipo {
            /// A fresh, random identity.
            pub fn nuevo() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $tipo {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$tipo> for Uuid {
            fn from(id: $tipo) -> Self {
                id.0
            }
        }

        impl FromStr for $tipo {
            type Err = uuid::Error;

            fn from_str(texto: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(texto).map(Self)
            }
        }

        impl fmt::Display for $tipo {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

identidad_uuid!(IdUsuario);
identidad_uuid!(IdReservaCliente);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_a_round_trip_through_its_text() {
        let id = IdUsuario::nuevo();
        assert_eq!(id.to_string().parse::<IdUsuario>(), Ok(id));
    }

    #[test]
    fn text_that_is_not_a_uuid_is_not_an_id() {
        assert!("no-es-un-uuid".parse::<IdReservaCliente>().is_err());
    }

    #[test]
    fn two_fresh_ids_differ() {
        assert_ne!(IdReservaCliente::nuevo(), IdReservaCliente::nuevo());
    }
}

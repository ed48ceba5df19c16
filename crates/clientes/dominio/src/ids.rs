//! Identities of the clientes module: users, and the reservations a user holds.

use std::fmt;
use std::str::FromStr;

use seedwork_dominio::ReglaIncumplida;
use uuid::Uuid;

macro_rules! identidad {
    ($(#[$doc:meta])* $tipo:ident, $regla:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $tipo(Uuid);

        impl $tipo {
            /// A fresh identity (UUID v7: time-ordered, so rows insert in index order).
            pub fn nuevo() -> Self {
                Self(Uuid::now_v7())
            }

            #[doc = concat!("Fails with the rule `", $regla, "` when `texto` is not a UUID.")]
            pub fn parse(texto: &str) -> Result<Self, ReglaIncumplida> {
                Uuid::parse_str(texto).map(Self).map_err(|_| {
                    ReglaIncumplida::new($regla, format!("'{texto}' no es un identificador válido"))
                })
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
            type Err = ReglaIncumplida;

            fn from_str(texto: &str) -> Result<Self, Self::Err> {
                Self::parse(texto)
            }
        }

        impl fmt::Display for $tipo {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

identidad!(
    /// The identity of a [`Usuario`](crate::Usuario); the vuelos module knows it as `id_cliente`.
    IdUsuario,
    "IdUsuarioValido"
);
identidad!(
    /// A reservation held by a user. Clientes only keeps the id: the reservation itself
    /// belongs to the vuelos module, which announces it through its `ReservaCreada` event.
    IdReservaCliente,
    "IdReservaClienteValido"
);

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

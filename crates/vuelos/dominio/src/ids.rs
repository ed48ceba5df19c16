//! Typed identities of the vuelos module.

use std::fmt;

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

        impl fmt::Display for $tipo {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

identidad!(
    /// The identity of a reservation.
    IdReserva,
    "IdReservaValido"
);
identidad!(
    /// The identity of the client a reservation belongs to (a user of the clientes module).
    IdCliente,
    "IdClienteValido"
);

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

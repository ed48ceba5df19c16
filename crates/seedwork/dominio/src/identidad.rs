//! The conventions of a typed identity, written once: every module declares its id types
//! as plain structs over a UUID and lets [`impl_identidad!`](crate::impl_identidad) write
//! their impls.

/// Writes the impls of an identity type declared as `pub struct IdX(Uuid);` (a tuple struct
/// over a [`uuid::Uuid`]; the calling crate depends on `uuid`), so that its declaration,
/// derives and documentation stay in its module, where a reader searching `struct IdX`
/// finds them:
///
/// - `nuevo()`: a fresh UUID v7 (time-ordered, so rows insert in index order);
/// - `parse(texto)` and `FromStr`: fail with a [`ReglaIncumplida`](crate::ReglaIncumplida)
///   named `$regla`, saying `'{texto}' no es un identificador válido`;
/// - `uuid()`, `From<Uuid>`, `From<IdX> for Uuid`, and `Display` as the UUID's text.
///
/// ```
/// use seedwork_dominio::impl_identidad;
/// use uuid::Uuid;
///
/// /// The identity of a flight.
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
/// pub struct IdVuelo(Uuid);
///
/// impl_identidad!(IdVuelo, "IdVueloValido");
///
/// assert_eq!(IdVuelo::parse("abc").unwrap_err().regla, "IdVueloValido");
/// ```
#[macro_export]
macro_rules! impl_identidad {
    ($tipo:ident, $regla:literal) => {
        impl $tipo {
            /// A fresh identity (UUID v7: time-ordered, so rows insert in index order).
            pub fn nuevo() -> Self {
                Self(::uuid::Uuid::now_v7())
            }

            #[doc = concat!("Fails with the rule `", $regla, "` when `texto` is not a UUID.")]
            pub fn parse(texto: &str) -> ::core::result::Result<Self, $crate::ReglaIncumplida> {
                ::uuid::Uuid::parse_str(texto).map(Self).map_err(|_| {
                    $crate::ReglaIncumplida::new(
                        $regla,
                        ::std::format!("'{texto}' no es un identificador válido"),
                    )
                })
            }

            pub fn uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::core::convert::From<::uuid::Uuid> for $tipo {
            fn from(uuid: ::uuid::Uuid) -> Self {
                Self(uuid)
            }
        }

        impl ::core::convert::From<$tipo> for ::uuid::Uuid {
            fn from(id: $tipo) -> Self {
                id.0
            }
        }

        impl ::core::str::FromStr for $tipo {
            type Err = $crate::ReglaIncumplida;

            fn from_str(texto: &str) -> ::core::result::Result<Self, Self::Err> {
                Self::parse(texto)
            }
        }

        impl ::core::fmt::Display for $tipo {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    /// An identity of these tests only.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    struct IdPrueba(Uuid);

    impl_identidad!(IdPrueba, "IdPruebaValido");

    #[test]
    fn text_that_is_not_a_uuid_is_refused_with_the_rule_and_the_text_it_was_given() {
        let error = IdPrueba::parse("abc").unwrap_err();
        assert_eq!(error.regla, "IdPruebaValido");
        assert_eq!(error.mensaje, "'abc' no es un identificador válido");
        assert_eq!("abc".parse::<IdPrueba>(), Err(error));
    }

    #[test]
    fn an_identity_is_its_uuid_in_every_conversion() {
        let uuid = Uuid::now_v7();
        let id = IdPrueba::from(uuid);
        assert_eq!(id.uuid(), uuid);
        assert_eq!(Uuid::from(id), uuid);
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(uuid.to_string().parse::<IdPrueba>(), Ok(id));
    }

    #[test]
    fn fresh_identities_are_time_ordered_uuid_v7() {
        let (primera, segunda) = (IdPrueba::nuevo(), IdPrueba::nuevo());
        assert_eq!(primera.uuid().get_version_num(), 7);
        assert!(primera < segunda);
    }
}

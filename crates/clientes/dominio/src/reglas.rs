//! The named business rules of the clientes module. Each rule's name is stable: it reaches
//! clients as the `regla` of a 400 answer, so renaming one is a breaking change.

use chrono::{Datelike, Months, NaiveDate};
use seedwork_dominio::ReglaNegocio;

use crate::email::{self, Email};
use crate::ids::IdUsuario;

/// Age from which a person may register as a natural client.
pub const EDAD_MINIMA: u32 = 18;

/// Gives a rule the inherent constant `NOMBRE`, its stable name (the type's name).
macro_rules! nombre_de_regla {
    ($tipo:ident $(<$vida:lifetime>)?) => {
        impl $(<$vida>)? $tipo $(<$vida>)? {
            pub const NOMBRE: &'static str = stringify!($tipo);
        }
    };
}

/// A text field (a name, a city, a country) says something once blanks are trimmed.
#[derive(Debug, Clone, Copy)]
pub struct NombreNoVacio<'a> {
    pub campo: &'static str,
    pub valor: &'a str,
}
nombre_de_regla!(NombreNoVacio<'a>);

impl ReglaNegocio for NombreNoVacio<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        !self.valor.trim().is_empty() && !self.valor.chars().any(char::is_control)
    }
    fn mensaje(&self) -> String {
        format!(
            "{} no puede estar vacío ni tener caracteres de control",
            self.campo
        )
    }
}

/// A text field fits in `maximo` characters once blanks are trimmed.
#[derive(Debug, Clone, Copy)]
pub struct LongitudMaxima<'a> {
    pub campo: &'static str,
    pub valor: &'a str,
    pub maximo: usize,
}
nombre_de_regla!(LongitudMaxima<'a>);

impl ReglaNegocio for LongitudMaxima<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.valor.trim().chars().count() <= self.maximo
    }
    fn mensaje(&self) -> String {
        format!(
            "{} admite como máximo {} caracteres",
            self.campo, self.maximo
        )
    }
}

/// An e-mail address is well formed: `local@dominio.tld`, see [`Email`] for the grammar.
#[derive(Debug, Clone, Copy)]
pub struct EmailValido<'a> {
    pub direccion: &'a str,
}
nombre_de_regla!(EmailValido<'a>);

impl ReglaNegocio for EmailValido<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        email::es_sintaxis_valida(self.direccion)
    }
    fn mensaje(&self) -> String {
        format!("'{}' no es un email válido", self.direccion)
    }
}

/// No two users share an e-mail address; `ya_registrado` comes from
/// [`RepositorioUsuarios::existe_email`](crate::RepositorioUsuarios::existe_email).
#[derive(Debug, Clone, Copy)]
pub struct EmailUnico<'a> {
    pub email: &'a Email,
    pub ya_registrado: bool,
}
nombre_de_regla!(EmailUnico<'a>);

impl ReglaNegocio for EmailUnico<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        !self.ya_registrado
    }
    fn mensaje(&self) -> String {
        format!("el email {} ya está registrado", self.email)
    }
}

/// A country code is an ISO 3166-1 alpha-2 code: two ASCII letters (`CO`).
#[derive(Debug, Clone, Copy)]
pub struct CodigoPaisValido<'a> {
    pub codigo: &'a str,
}
nombre_de_regla!(CodigoPaisValido<'a>);

impl ReglaNegocio for CodigoPaisValido<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.codigo.len() == 2 && self.codigo.bytes().all(|b| b.is_ascii_alphabetic())
    }
    fn mensaje(&self) -> String {
        format!(
            "'{}' no es un código de país ISO 3166-1 de dos letras",
            self.codigo
        )
    }
}

/// A city code has 2 to 10 ASCII letters or digits (`BOG`, DANE's `11001`).
#[derive(Debug, Clone, Copy)]
pub struct CodigoCiudadValido<'a> {
    pub codigo: &'a str,
}
nombre_de_regla!(CodigoCiudadValido<'a>);

impl ReglaNegocio for CodigoCiudadValido<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        (2..=10).contains(&self.codigo.len())
            && self.codigo.bytes().all(|b| b.is_ascii_alphanumeric())
    }
    fn mensaje(&self) -> String {
        format!(
            "'{}' no es un código de ciudad (de 2 a 10 letras o dígitos)",
            self.codigo
        )
    }
}

/// An identity-document number (cédula, RUT) is a positive integer of at most 12 digits;
/// `None` stands for a text that is not such an integer.
#[derive(Debug, Clone, Copy)]
pub struct NumeroDocumentoValido {
    pub numero: Option<u64>,
}
nombre_de_regla!(NumeroDocumentoValido);

impl NumeroDocumentoValido {
    pub const MAXIMO: u64 = 999_999_999_999;
}

impl ReglaNegocio for NumeroDocumentoValido {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.numero.is_some_and(|n| (1..=Self::MAXIMO).contains(&n))
    }
    fn mensaje(&self) -> String {
        "el número de documento debe ser un entero positivo de hasta 12 dígitos".into()
    }
}

/// The earliest year of birth accepted (dates before are typing errors, not clients).
pub const ANIO_MINIMO_NACIMIENTO: i32 = 1900;
/// The earliest year of constitution of a company accepted.
pub const ANIO_MINIMO_CONSTITUCION: i32 = 1800;

/// A natural client is at least [`EDAD_MINIMA`] years old on `hoy`. Someone born on
/// 29 February comes of age on 28 February of non-leap years.
#[derive(Debug, Clone, Copy)]
pub struct MayorDeEdad {
    pub fecha_nacimiento: NaiveDate,
    pub hoy: NaiveDate,
}
nombre_de_regla!(MayorDeEdad);

impl ReglaNegocio for MayorDeEdad {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.fecha_nacimiento.year() >= ANIO_MINIMO_NACIMIENTO
            && self
                .fecha_nacimiento
                .checked_add_months(Months::new(12 * EDAD_MINIMA))
                .is_some_and(|mayoria| mayoria <= self.hoy)
    }
    fn mensaje(&self) -> String {
        format!(
            "un cliente natural debe tener al menos {EDAD_MINIMA} años y haber nacido desde \
             {ANIO_MINIMO_NACIMIENTO}"
        )
    }
}

/// A company was constituted strictly before `hoy`.
#[derive(Debug, Clone, Copy)]
pub struct FechaConstitucionPasada {
    pub fecha_constitucion: NaiveDate,
    pub hoy: NaiveDate,
}
nombre_de_regla!(FechaConstitucionPasada);

impl ReglaNegocio for FechaConstitucionPasada {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.fecha_constitucion.year() >= ANIO_MINIMO_CONSTITUCION
            && self.fecha_constitucion < self.hoy
    }
    fn mensaje(&self) -> String {
        format!(
            "la fecha de constitución {} debe ser anterior a hoy y desde {ANIO_MINIMO_CONSTITUCION}",
            self.fecha_constitucion
        )
    }
}

/// A stored password hash is never empty.
#[derive(Debug, Clone, Copy)]
pub struct HashPasswordPresente<'a> {
    pub hash: &'a str,
}
nombre_de_regla!(HashPasswordPresente<'a>);

impl ReglaNegocio for HashPasswordPresente<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        !self.hash.trim().is_empty()
    }
    fn mensaje(&self) -> String {
        "el hash de la contraseña no puede estar vacío".into()
    }
}

/// Only an active user may take on reservations (or authenticate).
#[derive(Debug, Clone, Copy)]
pub struct UsuarioActivo {
    pub id: IdUsuario,
    pub activo: bool,
}
nombre_de_regla!(UsuarioActivo);

impl ReglaNegocio for UsuarioActivo {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.activo
    }
    fn mensaje(&self) -> String {
        format!("el usuario {} está desactivado", self.id)
    }
}

/// A reservation can only be given to a user that exists.
#[derive(Debug, Clone, Copy)]
pub struct UsuarioExiste {
    pub id: IdUsuario,
    pub existe: bool,
}
nombre_de_regla!(UsuarioExiste);

impl ReglaNegocio for UsuarioExiste {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        self.existe
    }
    fn mensaje(&self) -> String {
        format!("el usuario {} no existe", self.id)
    }
}

#[cfg(test)]
mod tests {
    use seedwork_dominio::validar;

    use super::*;

    fn fecha(texto: &str) -> NaiveDate {
        texto.parse().unwrap()
    }

    #[test]
    fn a_blank_name_breaks_nombre_no_vacio_and_says_which_field() {
        let error = validar(&NombreNoVacio {
            campo: "apellidos",
            valor: "  \t",
        })
        .unwrap_err();
        assert_eq!(error.regla, "NombreNoVacio");
        assert!(error.mensaje.contains("apellidos"));
    }

    #[test]
    fn a_name_with_letters_keeps_nombre_no_vacio() {
        assert!(validar(&NombreNoVacio {
            campo: "nombres",
            valor: " Ana "
        })
        .is_ok());
    }

    #[test]
    fn a_text_longer_than_the_maximum_breaks_longitud_maxima() {
        let regla = LongitudMaxima {
            campo: "nombres",
            valor: "ñandú",
            maximo: 4,
        };
        assert_eq!(validar(&regla).unwrap_err().regla, "LongitudMaxima");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let regla = LongitudMaxima {
            campo: "nombres",
            valor: "ñandú",
            maximo: 5,
        };
        assert!(validar(&regla).is_ok());
    }

    #[test]
    fn an_email_already_registered_breaks_email_unico() {
        let email = Email::parse("ana@empresa.co").unwrap();
        let error = validar(&EmailUnico {
            email: &email,
            ya_registrado: true,
        })
        .unwrap_err();
        assert_eq!(error.regla, EmailUnico::NOMBRE);
        assert!(error.mensaje.contains("ana@empresa.co"));
    }

    #[test]
    fn a_new_email_keeps_email_unico() {
        let email = Email::parse("ana@empresa.co").unwrap();
        assert!(validar(&EmailUnico {
            email: &email,
            ya_registrado: false
        })
        .is_ok());
    }

    #[test]
    fn someone_who_turns_eighteen_today_is_of_age() {
        let regla = MayorDeEdad {
            fecha_nacimiento: fecha("2008-06-15"),
            hoy: fecha("2026-06-15"),
        };
        assert!(validar(&regla).is_ok());
    }

    #[test]
    fn someone_who_turns_eighteen_tomorrow_is_not_of_age() {
        let regla = MayorDeEdad {
            fecha_nacimiento: fecha("2008-06-16"),
            hoy: fecha("2026-06-15"),
        };
        assert_eq!(validar(&regla).unwrap_err().regla, "MayorDeEdad");
    }

    #[test]
    fn someone_born_on_a_leap_day_comes_of_age_on_the_28th_of_february() {
        let nacimiento = fecha("2008-02-29");
        assert!(validar(&MayorDeEdad {
            fecha_nacimiento: nacimiento,
            hoy: fecha("2026-02-28")
        })
        .is_ok());
        assert!(validar(&MayorDeEdad {
            fecha_nacimiento: nacimiento,
            hoy: fecha("2026-02-27")
        })
        .is_err());
    }

    #[test]
    fn a_birth_date_in_the_future_is_not_of_age() {
        let regla = MayorDeEdad {
            fecha_nacimiento: fecha("2030-01-01"),
            hoy: fecha("2026-06-15"),
        };
        assert!(validar(&regla).is_err());
    }

    #[test]
    fn a_company_constituted_yesterday_keeps_fecha_constitucion_pasada() {
        let regla = FechaConstitucionPasada {
            fecha_constitucion: fecha("2026-06-14"),
            hoy: fecha("2026-06-15"),
        };
        assert!(validar(&regla).is_ok());
    }

    #[test]
    fn a_company_constituted_today_or_later_breaks_fecha_constitucion_pasada() {
        for constitucion in ["2026-06-15", "2027-01-01"] {
            let regla = FechaConstitucionPasada {
                fecha_constitucion: fecha(constitucion),
                hoy: fecha("2026-06-15"),
            };
            assert_eq!(
                validar(&regla).unwrap_err().regla,
                "FechaConstitucionPasada"
            );
        }
    }

    #[test]
    fn zero_and_thirteen_digit_numbers_break_numero_documento_valido() {
        for numero in [Some(0), Some(1_000_000_000_000), None] {
            let error = validar(&NumeroDocumentoValido { numero }).unwrap_err();
            assert_eq!(error.regla, "NumeroDocumentoValido");
        }
    }

    #[test]
    fn a_deactivated_user_breaks_usuario_activo() {
        let id = IdUsuario::nuevo();
        let error = validar(&UsuarioActivo { id, activo: false }).unwrap_err();
        assert_eq!(error.regla, "UsuarioActivo");
        assert!(error.mensaje.contains(&id.to_string()));
    }

    #[test]
    fn a_missing_user_breaks_usuario_existe() {
        let error = validar(&UsuarioExiste {
            id: IdUsuario::nuevo(),
            existe: false,
        })
        .unwrap_err();
        assert_eq!(error.regla, UsuarioExiste::NOMBRE);
    }

    #[test]
    fn a_blank_hash_breaks_hash_password_presente() {
        assert_eq!(
            validar(&HashPasswordPresente { hash: " " })
                .unwrap_err()
                .regla,
            "HashPasswordPresente"
        );
    }
}

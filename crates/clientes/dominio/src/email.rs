//! E-mail addresses, and whether one belongs to a company or to a public webmail service.

use std::fmt;

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::reglas::EmailValido;

/// Domains of public webmail providers: an address on any other domain is a company's.
pub const DOMINIOS_CORREO_PUBLICO: &[&str] = &[
    "aol.com",
    "gmail.com",
    "googlemail.com",
    "gmx.com",
    "hotmail.com",
    "hotmail.es",
    "icloud.com",
    "live.com",
    "mail.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "outlook.es",
    "proton.me",
    "protonmail.com",
    "yahoo.com",
    "yahoo.com.co",
    "yahoo.es",
    "yandex.com",
    "zoho.com",
];

const LONGITUD_MAXIMA: usize = 254;
const LONGITUD_MAXIMA_LOCAL: usize = 64;
const LONGITUD_MAXIMA_ETIQUETA: usize = 63;

/// A well-formed e-mail address, lower-cased.
///
/// Lower-casing makes `Ana@Empresa.co` and `ana@empresa.co` the same address, which is what
/// the uniqueness rule needs (providers treat them alike in practice). The grammar is the
/// common subset of RFC 5321 that real providers accept: a local part of at most 64
/// characters from the RFC's `atext` set, with dots only between characters; a domain of
/// at least two dot-separated labels of letters, digits and inner hyphens, whose last
/// label is alphabetic and at least two long; 254 characters in all. Quoted local parts,
/// IP-literal domains and internationalized addresses are refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email {
    direccion: String,
    inicio_dominio: usize,
}

impl ObjetoValor for Email {}

impl Email {
    /// Parses an address, trimming blanks; fails with the rule `EmailValido`.
    pub fn parse(texto: &str) -> Result<Self, ReglaIncumplida> {
        let direccion = texto.trim().to_ascii_lowercase();
        validar(&EmailValido {
            direccion: &direccion,
        })?;
        // The rule holds, so there is exactly one '@' and `map_or` never takes its default.
        let inicio_dominio = direccion.find('@').map_or(0, |arroba| arroba + 1);
        Ok(Self {
            direccion,
            inicio_dominio,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.direccion
    }

    /// The part after the `@`.
    pub fn dominio(&self) -> &str {
        &self.direccion[self.inicio_dominio..]
    }

    /// Whether the address is a company's: its domain is not a public webmail provider's
    /// (see [`DOMINIOS_CORREO_PUBLICO`]).
    pub fn es_empresarial(&self) -> bool {
        !DOMINIOS_CORREO_PUBLICO.contains(&self.dominio())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.direccion)
    }
}

/// The grammar of [`Email`], checked by the rule `EmailValido`.
pub(crate) fn es_sintaxis_valida(direccion: &str) -> bool {
    if direccion.len() > LONGITUD_MAXIMA {
        return false;
    }
    let Some((local, dominio)) = direccion.split_once('@') else {
        return false;
    };
    es_parte_local_valida(local) && es_dominio_valido(dominio)
}

fn es_parte_local_valida(local: &str) -> bool {
    const ESPECIALES: &[u8] = b"!#$%&'*+/=?^_`{|}~-.";
    (1..=LONGITUD_MAXIMA_LOCAL).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || ESPECIALES.contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn es_dominio_valido(dominio: &str) -> bool {
    let etiquetas: Vec<&str> = dominio.split('.').collect();
    let tld_valido = etiquetas
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    etiquetas.len() >= 2 && tld_valido && etiquetas.iter().all(|e| es_etiqueta_valida(e))
}

fn es_etiqueta_valida(etiqueta: &str) -> bool {
    (1..=LONGITUD_MAXIMA_ETIQUETA).contains(&etiqueta.len())
        && etiqueta
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !etiqueta.starts_with('-')
        && !etiqueta.ends_with('-')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_address_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Ana.Perez@Empresa.COM.co ").unwrap();
        assert_eq!(email.as_str(), "ana.perez@empresa.com.co");
        assert_eq!(email.dominio(), "empresa.com.co");
    }

    #[test]
    fn an_address_on_a_company_domain_is_a_company_mail() {
        assert!(Email::parse("ventas@aeroalpes.com")
            .unwrap()
            .es_empresarial());
    }

    #[test]
    fn an_address_on_a_webmail_domain_is_not_a_company_mail() {
        for direccion in [
            "ana@gmail.com",
            "ana@HOTMAIL.com",
            "ana@outlook.com",
            "ana@yahoo.com",
        ] {
            assert!(
                !Email::parse(direccion).unwrap().es_empresarial(),
                "{direccion}"
            );
        }
    }

    #[test]
    fn malformed_addresses_break_email_valido() {
        for direccion in [
            "",
            "ana",
            "ana@",
            "@empresa.co",
            "ana@@empresa.co",
            "ana@empresa",
            "ana@empresa.c",
            "ana@empresa.c0m",
            ".ana@empresa.co",
            "ana.@empresa.co",
            "an..a@empresa.co",
            "ana@-empresa.co",
            "ana@empresa-.co",
            "ana@empresa..co",
            "a na@empresa.co",
            "ana@emp resa.co",
            "añа@empresa.co",
        ] {
            let error = Email::parse(direccion).unwrap_err();
            assert_eq!(error.regla, "EmailValido", "{direccion:?}");
        }
    }

    #[test]
    fn an_address_longer_than_254_characters_is_refused() {
        let direccion = format!("ana@{}.co", vec!["a".repeat(60); 5].join("."));
        assert!(direccion.len() > 254);
        assert!(Email::parse(&direccion).is_err());
    }

    fn etiqueta() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
    }

    fn email_valido() -> impl Strategy<Value = String> {
        (
            "[a-zA-Z0-9_+-]{1,20}(\\.[a-zA-Z0-9_+-]{1,10}){0,2}",
            prop::collection::vec(etiqueta(), 1..3),
            "[a-zA-Z]{2,6}",
        )
            .prop_map(|(local, etiquetas, tld)| format!("{local}@{}.{tld}", etiquetas.join(".")))
    }

    proptest! {
        #[test]
        fn every_well_formed_address_parses_to_its_lower_case_form(direccion in email_valido()) {
            let email = Email::parse(&direccion).unwrap();
            prop_assert_eq!(email.as_str(), direccion.to_ascii_lowercase());
            prop_assert!(direccion.to_ascii_lowercase().ends_with(email.dominio()));
        }

        #[test]
        fn parsing_is_idempotent(direccion in email_valido()) {
            let email = Email::parse(&direccion).unwrap();
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        }

        #[test]
        fn text_without_an_at_sign_never_parses(texto in "[^@]{0,80}") {
            prop_assert!(Email::parse(&texto).is_err());
        }

        #[test]
        fn parsing_any_text_never_panics(texto in any::<String>()) {
            let _ = Email::parse(&texto);
        }
    }
}

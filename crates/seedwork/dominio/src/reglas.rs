//! Business rules: named invariants checked before the domain changes state.

/// A named invariant of the domain.
pub trait ReglaNegocio {
    /// A stable, machine-readable name (`LegsConectados`), sent to clients as `regla`.
    fn nombre(&self) -> &'static str;
    fn es_valida(&self) -> bool;
    /// What is wrong, in words a user understands.
    fn mensaje(&self) -> String;
}

/// A business rule did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{mensaje} (regla {regla})")]
pub struct ReglaIncumplida {
    pub regla: &'static str,
    pub mensaje: String,
}

impl ReglaIncumplida {
    pub fn new(regla: &'static str, mensaje: impl Into<String>) -> Self {
        Self {
            regla,
            mensaje: mensaje.into(),
        }
    }
}

/// Checks a rule, failing with an error that names it.
pub fn validar(regla: &impl ReglaNegocio) -> Result<(), ReglaIncumplida> {
    if regla.es_valida() {
        Ok(())
    } else {
        Err(ReglaIncumplida::new(regla.nombre(), regla.mensaje()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Siempre(bool);

    impl ReglaNegocio for Siempre {
        fn nombre(&self) -> &'static str {
            "Siempre"
        }
        fn es_valida(&self) -> bool {
            self.0
        }
        fn mensaje(&self) -> String {
            "nunca se cumple".into()
        }
    }

    #[test]
    fn a_rule_that_holds_validates() {
        assert_eq!(validar(&Siempre(true)), Ok(()));
    }

    #[test]
    fn a_broken_rule_fails_with_an_error_naming_it() {
        let error = validar(&Siempre(false)).unwrap_err();
        assert_eq!(error.regla, "Siempre");
        assert_eq!(error.mensaje, "nunca se cumple");
    }
}

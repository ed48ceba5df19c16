//! The configuration of aeroalpes, read once from the environment.

/// Where aeroalpes listens and which database it uses.
#[derive(Debug, Clone)]
pub struct Configuracion {
    /// `AEROALPES_HOST`, default `0.0.0.0`.
    pub host: String,
    /// `AEROALPES_PORT`, default 5000; 0 picks a free port.
    pub puerto: u16,
    /// `DATABASE_URL`: `postgres://…`, `sqlite://PATH` or a path; default `data/aeroalpes.db`.
    pub url_base_datos: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorConfiguracion {
    #[error("AEROALPES_PORT debe ser un número de puerto, no '{0}'")]
    Puerto(String),
}

impl Configuracion {
    pub const PUERTO_POR_DEFECTO: u16 = 5000;
    pub const BASE_DATOS_POR_DEFECTO: &'static str = "data/aeroalpes.db";

    pub fn desde_entorno() -> Result<Self, ErrorConfiguracion> {
        Self::desde(|nombre| std::env::var(nombre).ok())
    }

    /// Reads the configuration from any source of variables (the environment, or a map in tests).
    pub fn desde(variable: impl Fn(&str) -> Option<String>) -> Result<Self, ErrorConfiguracion> {
        let puerto = match variable("AEROALPES_PORT") {
            Some(texto) => texto
                .trim()
                .parse()
                .map_err(|_| ErrorConfiguracion::Puerto(texto))?,
            None => Self::PUERTO_POR_DEFECTO,
        };
        Ok(Self {
            host: variable("AEROALPES_HOST").unwrap_or_else(|| "0.0.0.0".into()),
            puerto,
            url_base_datos: variable("DATABASE_URL")
                .unwrap_or_else(|| Self::BASE_DATOS_POR_DEFECTO.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn desde(pares: &[(&str, &str)]) -> Result<Configuracion, ErrorConfiguracion> {
        let mapa: HashMap<String, String> = pares
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Configuracion::desde(|nombre| mapa.get(nombre).cloned())
    }

    #[test]
    fn with_nothing_set_it_listens_on_5000_with_the_sqlite_file() {
        let configuracion = desde(&[]).unwrap();
        assert_eq!(configuracion.puerto, 5000);
        assert_eq!(configuracion.url_base_datos, "data/aeroalpes.db");
    }

    #[test]
    fn the_environment_overrides_port_and_database() {
        let configuracion = desde(&[
            ("AEROALPES_PORT", "8080"),
            ("DATABASE_URL", "postgres://x@y/z"),
        ])
        .unwrap();
        assert_eq!(configuracion.puerto, 8080);
        assert_eq!(configuracion.url_base_datos, "postgres://x@y/z");
    }

    #[test]
    fn a_port_that_is_not_a_number_is_a_clear_error() {
        assert!(matches!(
            desde(&[("AEROALPES_PORT", "cinco")]),
            Err(ErrorConfiguracion::Puerto(_))
        ));
    }
}

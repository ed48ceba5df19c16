//! The adaptador's configuration, read from the environment once, at start-up.

use std::time::Duration;

/// Where the adaptador listens and where AeroAlpes answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuracion {
    /// `ADAPTADOR_HOST`, bind address.
    pub host: String,
    /// `ADAPTADOR_PORT`; 0 picks a free one.
    pub puerto: u16,
    /// The base URL of the AeroAlpes HTTP API, from `AEROALPES_ADDRESS`.
    pub url_aeroalpes: String,
    /// `ADAPTADOR_TIMEOUT_SECONDS`: the longest a call to AeroAlpes may take, connection
    /// included.
    pub tiempo_espera: Duration,
}

/// A variable of the environment that does not hold a valid value.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={valor} is not valid: {razon}")]
pub struct ErrorConfiguracion {
    pub variable: &'static str,
    pub valor: String,
    pub razon: &'static str,
}

impl Configuracion {
    pub const HOST_POR_DEFECTO: &'static str = "0.0.0.0";
    pub const PUERTO_POR_DEFECTO: u16 = 50051;
    pub const DIRECCION_AEROALPES_POR_DEFECTO: &'static str = "localhost";
    pub const PUERTO_AEROALPES_POR_DEFECTO: u16 = 5000;
    pub const TIEMPO_ESPERA_POR_DEFECTO: Duration = Duration::from_secs(10);

    pub fn desde_entorno() -> Result<Self, ErrorConfiguracion> {
        Self::desde(|nombre| std::env::var(nombre).ok())
    }

    /// Reads the configuration through `variable`, which answers a variable's value.
    pub fn desde(variable: impl Fn(&str) -> Option<String>) -> Result<Self, ErrorConfiguracion> {
        let puerto = match variable("ADAPTADOR_PORT") {
            None => Self::PUERTO_POR_DEFECTO,
            Some(valor) => valor.trim().parse().map_err(|_| ErrorConfiguracion {
                variable: "ADAPTADOR_PORT",
                valor,
                razon: "not a port number",
            })?,
        };
        let tiempo_espera = match variable("ADAPTADOR_TIMEOUT_SECONDS") {
            None => Self::TIEMPO_ESPERA_POR_DEFECTO,
            Some(valor) => match valor.trim().parse::<u64>() {
                Ok(segundos) if segundos > 0 => Duration::from_secs(segundos),
                _ => {
                    return Err(ErrorConfiguracion {
                        variable: "ADAPTADOR_TIMEOUT_SECONDS",
                        valor,
                        razon: "not a positive number of seconds",
                    })
                }
            },
        };
        let direccion = variable("AEROALPES_ADDRESS")
            .unwrap_or_else(|| Self::DIRECCION_AEROALPES_POR_DEFECTO.to_owned());
        Ok(Configuracion {
            host: variable("ADAPTADOR_HOST").unwrap_or_else(|| Self::HOST_POR_DEFECTO.to_owned()),
            puerto,
            url_aeroalpes: url_aeroalpes(&direccion),
            tiempo_espera,
        })
    }
}

/// The base URL of AeroAlpes from `AEROALPES_ADDRESS`: a full `http://…` URL as it is
/// (without a trailing slash), `host:port` or a bare `host` (port 5000) over HTTP.
pub fn url_aeroalpes(direccion: &str) -> String {
    let direccion = direccion.trim().trim_end_matches('/');
    if direccion.contains("://") {
        direccion.to_owned()
    } else if direccion.contains(':') {
        format!("http://{direccion}")
    } else {
        format!(
            "http://{direccion}:{}",
            Configuracion::PUERTO_AEROALPES_POR_DEFECTO
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desde(pares: &[(&str, &str)]) -> Result<Configuracion, ErrorConfiguracion> {
        Configuracion::desde(|nombre| {
            pares
                .iter()
                .find(|(clave, _)| *clave == nombre)
                .map(|(_, valor)| (*valor).to_owned())
        })
    }

    #[test]
    fn without_variables_it_listens_on_50051_and_calls_localhost_5000() {
        let configuracion = desde(&[]).unwrap();
        assert_eq!(configuracion.host, "0.0.0.0");
        assert_eq!(configuracion.puerto, 50051);
        assert_eq!(configuracion.url_aeroalpes, "http://localhost:5000");
        assert_eq!(configuracion.tiempo_espera, Duration::from_secs(10));
    }

    #[test]
    fn the_address_of_aeroalpes_may_be_a_host_a_host_and_port_or_a_url() {
        assert_eq!(url_aeroalpes("aeroalpes"), "http://aeroalpes:5000");
        assert_eq!(url_aeroalpes("aeroalpes:8080"), "http://aeroalpes:8080");
        assert_eq!(
            url_aeroalpes("https://vuelos.example/api/"),
            "https://vuelos.example/api"
        );
    }

    #[test]
    fn the_variables_override_the_defaults() {
        let configuracion = desde(&[
            ("ADAPTADOR_HOST", "127.0.0.1"),
            ("ADAPTADOR_PORT", "0"),
            ("AEROALPES_ADDRESS", "aeroalpes:5000"),
            ("ADAPTADOR_TIMEOUT_SECONDS", "3"),
        ])
        .unwrap();
        assert_eq!(configuracion.host, "127.0.0.1");
        assert_eq!(configuracion.puerto, 0);
        assert_eq!(configuracion.url_aeroalpes, "http://aeroalpes:5000");
        assert_eq!(configuracion.tiempo_espera, Duration::from_secs(3));
    }

    #[test]
    fn a_bad_port_or_timeout_is_an_error_naming_the_variable() {
        let error = desde(&[("ADAPTADOR_PORT", "cincuenta")]).unwrap_err();
        assert_eq!(error.variable, "ADAPTADOR_PORT");
        let error = desde(&[("ADAPTADOR_TIMEOUT_SECONDS", "0")]).unwrap_err();
        assert_eq!(error.variable, "ADAPTADOR_TIMEOUT_SECONDS");
    }
}

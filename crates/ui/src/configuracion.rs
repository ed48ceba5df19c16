//! The configuration of the ui, read once from the environment.

use seedwork_mensajeria::url_desde;

/// Where to listen, which aeroalpes to call and which broker to consume from. `RUST_LOG`
/// is read by `seedwork_mensajeria::telemetria`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuracion {
    /// `UI_HOST`, default `0.0.0.0`.
    pub host: String,
    /// `UI_PORT`, default 5678 (0 picks a free one).
    pub puerto: u16,
    /// `AEROALPES_ADDRESS`: a host, `host:port` or a URL; default `http://127.0.0.1:5000`.
    pub url_aeroalpes: String,
    /// `PULSAR_URL`, else `PULSAR_ADDRESS` or `BROKER_HOST`; default
    /// `pulsar://127.0.0.1:6650`, where aeroalpes starts its embedded broker.
    pub url_broker: String,
    /// `AEROALPES_TOKEN_SERVICIO`: the service token the ui sends to aeroalpes (its
    /// listing and the orders on clients' reservations need staff rights); none if unset.
    pub token_servicio: Option<TokenServicio>,
}

/// The service token. It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenServicio(pub String);

impl std::fmt::Debug for TokenServicio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenServicio(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorConfiguracion {
    #[error("UI_PORT debe ser un puerto (0-65535), no '{0}'")]
    Puerto(String),
}

impl Default for Configuracion {
    fn default() -> Self {
        Self {
            host: Self::HOST_POR_DEFECTO.into(),
            puerto: Self::PUERTO_POR_DEFECTO,
            url_aeroalpes: format!("http://127.0.0.1:{}", Self::PUERTO_AEROALPES),
            url_broker: Self::BROKER_POR_DEFECTO.into(),
            token_servicio: None,
        }
    }
}

impl Configuracion {
    pub const HOST_POR_DEFECTO: &'static str = "0.0.0.0";
    pub const PUERTO_POR_DEFECTO: u16 = 5678;
    /// aeroalpes' port when `AEROALPES_ADDRESS` names only the host.
    pub const PUERTO_AEROALPES: u16 = 5000;
    pub const BROKER_POR_DEFECTO: &'static str = "pulsar://127.0.0.1:6650";

    pub fn desde_entorno() -> Result<Self, ErrorConfiguracion> {
        Self::desde(|nombre| std::env::var(nombre).ok())
    }

    /// Reads the configuration from any source of variables (the environment, or a map
    /// in tests).
    pub fn desde(variable: impl Fn(&str) -> Option<String>) -> Result<Self, ErrorConfiguracion> {
        let no_vacia = |nombre: &str| {
            variable(nombre)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let por_defecto = Self::default();
        let puerto = match no_vacia("UI_PORT") {
            Some(texto) => texto
                .parse()
                .map_err(|_| ErrorConfiguracion::Puerto(texto))?,
            None => por_defecto.puerto,
        };
        Ok(Self {
            host: no_vacia("UI_HOST").unwrap_or(por_defecto.host),
            puerto,
            url_aeroalpes: no_vacia("AEROALPES_ADDRESS")
                .map(|direccion| url_aeroalpes(&direccion))
                .unwrap_or(por_defecto.url_aeroalpes),
            url_broker: url_desde(&variable).unwrap_or(por_defecto.url_broker),
            token_servicio: no_vacia("AEROALPES_TOKEN_SERVICIO").map(TokenServicio),
        })
    }
}

/// `http://host:5000` from a host, `http://host:port` from `host:port`, a URL as is.
fn url_aeroalpes(direccion: &str) -> String {
    let direccion = direccion.trim_end_matches('/');
    if direccion.contains("://") {
        direccion.to_owned()
    } else if direccion.contains(':') {
        format!("http://{direccion}")
    } else {
        format!("http://{direccion}:{}", Configuracion::PUERTO_AEROALPES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuracion(pares: &[(&str, &str)]) -> Result<Configuracion, ErrorConfiguracion> {
        Configuracion::desde(|nombre| {
            pares
                .iter()
                .find(|(k, _)| *k == nombre)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn an_empty_environment_means_the_local_defaults() {
        let leida = configuracion(&[]).unwrap();
        assert_eq!(leida, Configuracion::default());
        assert_eq!(leida.puerto, 5678);
        assert_eq!(leida.url_aeroalpes, "http://127.0.0.1:5000");
        assert_eq!(leida.url_broker, "pulsar://127.0.0.1:6650");
    }

    #[test]
    fn aeroalpes_may_be_a_host_a_host_and_port_or_a_url() {
        let url = |valor| {
            configuracion(&[("AEROALPES_ADDRESS", valor)])
                .unwrap()
                .url_aeroalpes
        };
        assert_eq!(url("aeroalpes"), "http://aeroalpes:5000");
        assert_eq!(url("aeroalpes:8080"), "http://aeroalpes:8080");
        assert_eq!(url("https://vuelos.example/"), "https://vuelos.example");
    }

    #[test]
    fn the_broker_is_found_under_the_tutorial_names_and_the_port_is_checked() {
        let leida = configuracion(&[("PULSAR_ADDRESS", "pulsar"), ("UI_PORT", "0")]).unwrap();
        assert_eq!(leida.url_broker, "pulsar://pulsar:6650");
        assert_eq!(leida.puerto, 0);
        assert!(matches!(
            configuracion(&[("UI_PORT", "cinco")]),
            Err(ErrorConfiguracion::Puerto(_))
        ));
    }
}

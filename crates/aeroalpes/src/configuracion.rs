//! The configuration of aeroalpes, read once from the environment.

use std::collections::BTreeSet;
use std::fmt;

pub use aeroalpes_api::contexto::ProxiesConfiables;
pub use aeroalpes_api::Rol;
use clientes_dominio::Email;

use aeroalpes_api::contexto::RedIp;
use chrono::TimeDelta;
use clientes_infraestructura::emisor_jwt::LONGITUD_MINIMA_SECRETO;
use uuid::Uuid;

/// Where aeroalpes listens, which database it uses and how it signs access tokens.
#[derive(Debug, Clone)]
pub struct Configuracion {
    /// `AEROALPES_HOST`, default `0.0.0.0`.
    pub host: String,
    /// `AEROALPES_PORT`, default 5000; 0 picks a free port.
    pub puerto: u16,
    /// `DATABASE_URL`: `postgres://…`, `sqlite://PATH` or a path; default `data/aeroalpes.db`.
    pub url_base_datos: String,
    /// `AEROALPES_JWT_SECRET`, at least 32 bytes; a random one when unset.
    pub secreto_jwt: SecretoJwt,
    /// `AEROALPES_JWT_TTL_MINUTES`, default 60: how long an access token is accepted.
    pub vigencia_tokens: TimeDelta,
    /// The broker: `PULSAR_URL`, or `PULSAR_ADDRESS` / `BROKER_HOST` (host[:port]). `None`
    /// starts `pulsar-embedded` inside this process.
    pub url_broker: Option<String>,
    /// Where the embedded broker listens (127.0.0.1) and keeps its data, when it runs.
    pub broker_embebido: BrokerEmbebido,
    /// `AEROALPES_OUTBOX_MAX_PENDIENTES`, default 10000: the backlog of unpublished outbox
    /// rows at which `/health/ready` answers 503.
    pub max_pendientes_outbox: u64,
    /// `AEROALPES_PERSONAL`: the e-mails of staff users, comma-separated (none by default).
    /// A user registered with one of them has staff rights on every request.
    pub personal: BTreeSet<Email>,
    /// `AEROALPES_TOKEN_SERVICIO`, at least 32 bytes: the bearer token internal services
    /// (the ui) send to act with staff rights. Unset: none is accepted.
    pub token_servicio: Option<TokenServicio>,
    /// `AEROALPES_RETENCION_REGISTROS_HORAS`, default 168 (a week), decimals allowed, one
    /// minute at least: how long inbox ids and answered requests are kept (swept hourly, or
    /// four times per retention when shorter). It must outlive any redelivery.
    pub retencion_registros: TimeDelta,
    /// `AEROALPES_ROL`: `todo` (default, the monolith), `comandos` (the command routes and
    /// clientes, on the write model in `DATABASE_URL`) or `queries` (the query routes of
    /// vuelos, from a read model of its own in `DATABASE_URL`, fed by the events).
    pub rol: Rol,
    /// `AEROALPES_PROXIES_CONFIABLES`: addresses and CIDR blocks, comma-separated, of the
    /// proxies (the API gateway) whose `X-Real-IP` or `X-Forwarded-For` names the client
    /// of a request; none by default, and then a client is its connection's peer.
    pub proxies_confiables: ProxiesConfiables,
    /// `AEROALPES_ESCRITURA_AGRUPADA` (`true` or `false`): whether one writer commits the
    /// units of work that wait together in one transaction (group commit). Unset: on with
    /// SQLite, off with PostgreSQL.
    pub escritura_agrupada: Option<bool>,
}

/// The service token. It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenServicio(String);

impl TokenServicio {
    /// A service token of at least 32 bytes.
    pub fn new(token: &str) -> Result<Self, ErrorConfiguracion> {
        let token = token.trim();
        if token.len() < LONGITUD_MINIMA_SECRETO {
            return Err(ErrorConfiguracion::TokenServicioCorto);
        }
        Ok(Self(token.to_owned()))
    }

    pub fn como_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenServicio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenServicio(***)")
    }
}

/// The embedded broker's settings: `AEROALPES_BROKER_PORT` (default 6650, 0 picks a free
/// port), `AEROALPES_BROKER_DATA` (default `data/broker`) and
/// `AEROALPES_BROKER_ADMIN_PORT` (unset: no admin listener; Apache Pulsar's is 8080), where
/// the admin API and the broker's `/metrics` answer on 127.0.0.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerEmbebido {
    pub puerto: u16,
    pub directorio: std::path::PathBuf,
    pub puerto_admin: Option<u16>,
}

impl Default for BrokerEmbebido {
    fn default() -> Self {
        Self {
            puerto: 6650,
            directorio: "data/broker".into(),
            puerto_admin: None,
        }
    }
}

/// The key that signs and checks access tokens. It never prints.
#[derive(Clone)]
pub struct SecretoJwt {
    bytes: Vec<u8>,
    generado: bool,
}

impl SecretoJwt {
    /// A configured secret; fails when shorter than HS256's 32 bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, ErrorConfiguracion> {
        let bytes = bytes.into();
        if bytes.len() < LONGITUD_MINIMA_SECRETO {
            return Err(ErrorConfiguracion::SecretoCorto);
        }
        Ok(Self {
            bytes,
            generado: false,
        })
    }

    /// A random secret of 64 bytes, made of four version-4 UUIDs (488 bits from the
    /// operating system's generator). Tokens signed with it die with the process.
    pub fn aleatorio() -> Self {
        let bytes = (0..4).flat_map(|_| Uuid::new_v4().into_bytes()).collect();
        Self {
            bytes,
            generado: true,
        }
    }

    pub fn como_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether it was generated at start-up rather than configured.
    pub fn es_generado(&self) -> bool {
        self.generado
    }
}

impl fmt::Debug for SecretoJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretoJwt(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorConfiguracion {
    #[error("{0} debe ser un número de puerto, no '{1}'")]
    Puerto(&'static str, String),
    #[error("AEROALPES_JWT_SECRET debe tener al menos {LONGITUD_MINIMA_SECRETO} bytes")]
    SecretoCorto,
    #[error(
        "AEROALPES_JWT_TTL_MINUTES debe ser un número de minutos entre 1 y {maximo}, no '{0}'",
        maximo = Configuracion::VIGENCIA_MAXIMA_MINUTOS
    )]
    Vigencia(String),
    #[error("AEROALPES_OUTBOX_MAX_PENDIENTES debe ser un número mayor que 0, no '{0}'")]
    MaxPendientes(String),
    #[error(
        "AEROALPES_PERSONAL debe ser una lista de e-mails separados por comas: '{0}' no lo es"
    )]
    Personal(String),
    #[error("AEROALPES_TOKEN_SERVICIO debe tener al menos {LONGITUD_MINIMA_SECRETO} bytes")]
    TokenServicioCorto,
    #[error(
        "AEROALPES_RETENCION_REGISTROS_HORAS debe ser un número de horas (decimales admitidos) entre 0.017 (un minuto) y 8784, no '{0}'"
    )]
    Retencion(String),
    #[error("AEROALPES_ESCRITURA_AGRUPADA debe ser true o false, no '{0}'")]
    EscrituraAgrupada(String),
    #[error("AEROALPES_ROL debe ser todo, comandos o queries, no '{0}'")]
    Rol(String),
    #[error(
        "AEROALPES_PROXIES_CONFIABLES debe ser una lista de direcciones IP y bloques CIDR (10.0.0.0/8, sin bits tras el prefijo) separados por comas: '{0}' no lo es"
    )]
    ProxiesConfiables(String),
}

impl Default for Configuracion {
    /// What an empty environment gives: port 5000, the SQLite file, a random token secret.
    fn default() -> Self {
        Self {
            host: Self::HOST_POR_DEFECTO.into(),
            puerto: Self::PUERTO_POR_DEFECTO,
            url_base_datos: Self::BASE_DATOS_POR_DEFECTO.into(),
            secreto_jwt: SecretoJwt::aleatorio(),
            vigencia_tokens: TimeDelta::minutes(Self::VIGENCIA_POR_DEFECTO_MINUTOS),
            url_broker: None,
            broker_embebido: BrokerEmbebido::default(),
            max_pendientes_outbox: Self::MAX_PENDIENTES_OUTBOX_POR_DEFECTO,
            personal: BTreeSet::new(),
            token_servicio: None,
            retencion_registros: seedwork_persistencia::barrido::RETENCION_POR_DEFECTO,
            rol: Rol::Todo,
            proxies_confiables: ProxiesConfiables::default(),
            escritura_agrupada: None,
        }
    }
}

impl Configuracion {
    pub const HOST_POR_DEFECTO: &'static str = "0.0.0.0";
    pub const PUERTO_POR_DEFECTO: u16 = 5000;
    pub const BASE_DATOS_POR_DEFECTO: &'static str = "data/aeroalpes.db";
    pub const VIGENCIA_POR_DEFECTO_MINUTOS: i64 = 60;
    pub const MAX_PENDIENTES_OUTBOX_POR_DEFECTO: u64 = 10_000;
    /// A year: longer-lived bearer tokens are a liability, not a convenience.
    pub const VIGENCIA_MAXIMA_MINUTOS: i64 = 366 * 24 * 60;

    pub fn desde_entorno() -> Result<Self, ErrorConfiguracion> {
        Self::desde(|nombre| std::env::var(nombre).ok())
    }

    /// Reads the configuration from any source of variables (the environment, or a map in tests).
    pub fn desde(variable: impl Fn(&str) -> Option<String>) -> Result<Self, ErrorConfiguracion> {
        let puerto_de = |nombre: &'static str, por_defecto: u16| match variable(nombre) {
            Some(texto) => texto
                .trim()
                .parse()
                .map_err(|_| ErrorConfiguracion::Puerto(nombre, texto)),
            None => Ok(por_defecto),
        };
        let puerto = puerto_de("AEROALPES_PORT", Self::PUERTO_POR_DEFECTO)?;
        let broker_embebido = BrokerEmbebido {
            puerto: puerto_de("AEROALPES_BROKER_PORT", BrokerEmbebido::default().puerto)?,
            directorio: variable("AEROALPES_BROKER_DATA")
                .map(Into::into)
                .unwrap_or(BrokerEmbebido::default().directorio),
            puerto_admin: match variable("AEROALPES_BROKER_ADMIN_PORT") {
                Some(_) => Some(puerto_de("AEROALPES_BROKER_ADMIN_PORT", 0)?),
                None => None,
            },
        };
        let secreto_jwt = match variable("AEROALPES_JWT_SECRET") {
            Some(secreto) => SecretoJwt::new(secreto)?,
            None => SecretoJwt::aleatorio(),
        };
        let minutos = match variable("AEROALPES_JWT_TTL_MINUTES") {
            Some(texto) => texto
                .trim()
                .parse()
                .ok()
                .filter(|m| (1..=Self::VIGENCIA_MAXIMA_MINUTOS).contains(m))
                .ok_or(ErrorConfiguracion::Vigencia(texto))?,
            None => Self::VIGENCIA_POR_DEFECTO_MINUTOS,
        };
        let max_pendientes_outbox = match variable("AEROALPES_OUTBOX_MAX_PENDIENTES") {
            Some(texto) => texto
                .trim()
                .parse()
                .ok()
                .filter(|&n: &u64| n > 0)
                .ok_or(ErrorConfiguracion::MaxPendientes(texto))?,
            None => Self::MAX_PENDIENTES_OUTBOX_POR_DEFECTO,
        };
        let personal = lista(
            variable("AEROALPES_PERSONAL"),
            |email| Email::parse(email).ok(),
            ErrorConfiguracion::Personal,
        )?;
        let token_servicio = variable("AEROALPES_TOKEN_SERVICIO")
            .filter(|token| !token.trim().is_empty())
            .map(|token| TokenServicio::new(&token))
            .transpose()?;
        let retencion_registros = match variable("AEROALPES_RETENCION_REGISTROS_HORAS") {
            Some(texto) => seedwork_persistencia::barrido::retencion_en_horas(&texto)
                .ok_or(ErrorConfiguracion::Retencion(texto))?,
            None => seedwork_persistencia::barrido::RETENCION_POR_DEFECTO,
        };
        let rol = match variable("AEROALPES_ROL") {
            Some(texto) => Rol::parse(&texto).ok_or(ErrorConfiguracion::Rol(texto))?,
            None => Rol::Todo,
        };
        let escritura_agrupada = match variable("AEROALPES_ESCRITURA_AGRUPADA") {
            Some(texto) => match texto.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => return Err(ErrorConfiguracion::EscrituraAgrupada(texto)),
            },
            None => None,
        };
        let proxies_confiables = lista(
            variable("AEROALPES_PROXIES_CONFIABLES"),
            RedIp::parse,
            ErrorConfiguracion::ProxiesConfiables,
        )?;
        Ok(Self {
            host: variable("AEROALPES_HOST").unwrap_or_else(|| Self::HOST_POR_DEFECTO.into()),
            puerto,
            url_base_datos: variable("DATABASE_URL")
                .unwrap_or_else(|| Self::BASE_DATOS_POR_DEFECTO.into()),
            secreto_jwt,
            vigencia_tokens: TimeDelta::minutes(minutos),
            url_broker: seedwork_mensajeria::url_desde(&variable),
            broker_embebido,
            max_pendientes_outbox,
            personal,
            token_servicio,
            retencion_registros,
            rol,
            proxies_confiables,
            escritura_agrupada,
        })
    }
}

/// The comma-separated entries of a variable (none when unset; blank ones skipped), each
/// read by `leer`; the first it refuses is the `error` that names it.
fn lista<T, C: FromIterator<T>>(
    texto: Option<String>,
    leer: impl Fn(&str) -> Option<T>,
    error: fn(String) -> ErrorConfiguracion,
) -> Result<C, ErrorConfiguracion> {
    texto
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entrada| !entrada.is_empty())
        .map(|entrada| leer(entrada).ok_or_else(|| error(entrada.to_owned())))
        .collect()
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
    fn the_role_is_the_monolith_unless_named_and_an_unknown_one_is_refused() {
        assert_eq!(desde(&[]).unwrap().rol, Rol::Todo);
        assert_eq!(
            desde(&[("AEROALPES_ROL", " Queries ")]).unwrap().rol,
            Rol::Queries
        );
        assert_eq!(
            desde(&[("AEROALPES_ROL", "comandos")]).unwrap().rol,
            Rol::Comandos
        );
        assert!(matches!(
            desde(&[("AEROALPES_ROL", "lecturas")]),
            Err(ErrorConfiguracion::Rol(ref texto)) if texto == "lecturas"
        ));
    }

    #[test]
    fn group_commit_follows_the_engine_unless_set_and_anything_but_a_boolean_is_refused() {
        assert_eq!(desde(&[]).unwrap().escritura_agrupada, None);
        let agrupada = |texto| desde(&[("AEROALPES_ESCRITURA_AGRUPADA", texto)]);
        assert_eq!(agrupada(" TRUE ").unwrap().escritura_agrupada, Some(true));
        assert_eq!(agrupada("0").unwrap().escritura_agrupada, Some(false));
        assert!(matches!(
            agrupada("quizas"),
            Err(ErrorConfiguracion::EscrituraAgrupada(ref texto)) if texto == "quizas"
        ));
    }

    #[test]
    fn trusted_proxies_are_addresses_and_blocks_and_none_by_default() {
        assert_eq!(
            desde(&[]).unwrap().proxies_confiables,
            ProxiesConfiables::default()
        );
        let proxies = desde(&[(
            "AEROALPES_PROXIES_CONFIABLES",
            " 127.0.0.1, 10.0.0.0/8 ,fd00::/8,",
        )])
        .unwrap()
        .proxies_confiables;
        for confiable in ["127.0.0.1", "10.20.30.40", "fd00::1"] {
            assert!(proxies.confia_en(confiable.parse().unwrap()), "{confiable}");
        }
        for ajena in ["127.0.0.2", "11.0.0.1", "::1"] {
            assert!(!proxies.confia_en(ajena.parse().unwrap()), "{ajena}");
        }
    }

    #[test]
    fn a_trusted_proxy_that_is_not_an_address_or_a_block_is_a_clear_error() {
        for (lista, mala) in [
            ("127.0.0.1, gateway", "gateway"),
            ("10.0.0.0/33", "10.0.0.0/33"),
            ("10.1.2.3/8", "10.1.2.3/8"),
            ("10.0.0.1:80", "10.0.0.1:80"),
        ] {
            assert!(
                matches!(
                    desde(&[("AEROALPES_PROXIES_CONFIABLES", lista)]),
                    Err(ErrorConfiguracion::ProxiesConfiables(ref texto)) if texto == mala
                ),
                "{lista}"
            );
        }
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
    fn with_no_token_secret_a_random_one_is_generated_and_tokens_last_an_hour() {
        let (una, otra) = (desde(&[]).unwrap(), desde(&[]).unwrap());
        assert!(una.secreto_jwt.es_generado());
        assert!(una.secreto_jwt.como_bytes().len() >= LONGITUD_MINIMA_SECRETO);
        assert_ne!(una.secreto_jwt.como_bytes(), otra.secreto_jwt.como_bytes());
        assert_eq!(una.vigencia_tokens, TimeDelta::minutes(60));
    }

    #[test]
    fn the_environment_sets_the_token_secret_and_lifetime() {
        let secreto = "s".repeat(32);
        let configuracion = desde(&[
            ("AEROALPES_JWT_SECRET", &secreto),
            ("AEROALPES_JWT_TTL_MINUTES", " 15 "),
        ])
        .unwrap();
        assert!(!configuracion.secreto_jwt.es_generado());
        assert_eq!(configuracion.secreto_jwt.como_bytes(), secreto.as_bytes());
        assert_eq!(configuracion.vigencia_tokens, TimeDelta::minutes(15));
    }

    #[test]
    fn a_token_secret_shorter_than_32_bytes_is_a_clear_error() {
        assert!(matches!(
            desde(&[("AEROALPES_JWT_SECRET", &"s".repeat(31))]),
            Err(ErrorConfiguracion::SecretoCorto)
        ));
    }

    #[test]
    fn a_token_lifetime_that_is_not_a_positive_number_of_minutes_is_a_clear_error() {
        for malo in ["0", "-5", "una hora", "99999999999"] {
            assert!(
                matches!(
                    desde(&[("AEROALPES_JWT_TTL_MINUTES", malo)]),
                    Err(ErrorConfiguracion::Vigencia(_))
                ),
                "{malo}"
            );
        }
    }

    #[test]
    fn the_secret_never_prints() {
        let configuracion = desde(&[("AEROALPES_JWT_SECRET", &"x".repeat(40))]).unwrap();
        assert!(!format!("{configuracion:?}").contains("xxxx"));
    }

    #[test]
    fn with_no_broker_configured_the_embedded_one_runs_on_6650_under_data() {
        let configuracion = desde(&[]).unwrap();
        assert_eq!(configuracion.url_broker, None);
        assert_eq!(configuracion.broker_embebido, BrokerEmbebido::default());
        assert_eq!(configuracion.broker_embebido.puerto, 6650);
    }

    #[test]
    fn the_tutorial_broker_variables_configure_an_external_broker() {
        let configuracion = desde(&[("BROKER_HOST", "broker")]).unwrap();
        assert_eq!(
            configuracion.url_broker.as_deref(),
            Some("pulsar://broker:6650")
        );
    }

    #[test]
    fn a_port_that_is_not_a_number_is_a_clear_error() {
        assert!(matches!(
            desde(&[("AEROALPES_PORT", "cinco")]),
            Err(ErrorConfiguracion::Puerto("AEROALPES_PORT", _))
        ));
    }

    #[test]
    fn the_outbox_threshold_defaults_to_ten_thousand_and_refuses_zero_or_words() {
        assert_eq!(desde(&[]).unwrap().max_pendientes_outbox, 10_000);
        assert_eq!(
            desde(&[("AEROALPES_OUTBOX_MAX_PENDIENTES", " 50 ")])
                .unwrap()
                .max_pendientes_outbox,
            50
        );
        for malo in ["0", "muchos", "-3"] {
            assert!(
                matches!(
                    desde(&[("AEROALPES_OUTBOX_MAX_PENDIENTES", malo)]),
                    Err(ErrorConfiguracion::MaxPendientes(_))
                ),
                "{malo}"
            );
        }
    }

    #[test]
    fn staff_e_mails_and_the_service_token_are_read_and_checked() {
        let token = "t".repeat(40);
        let configuracion = desde(&[
            (
                "AEROALPES_PERSONAL",
                " jefa@aeroalpes.co, ops@aeroalpes.co ,",
            ),
            ("AEROALPES_TOKEN_SERVICIO", &token),
        ])
        .unwrap();
        assert_eq!(configuracion.personal.len(), 2);
        assert_eq!(
            configuracion
                .token_servicio
                .as_ref()
                .map(TokenServicio::como_str),
            Some(token.as_str())
        );
        assert!(
            !format!("{configuracion:?}").contains(&token),
            "the token never prints"
        );
        assert!(matches!(
            desde(&[("AEROALPES_PERSONAL", "jefa@aeroalpes.co, no-es-email")]),
            Err(ErrorConfiguracion::Personal(_))
        ));
        assert!(matches!(
            desde(&[("AEROALPES_TOKEN_SERVICIO", "corto")]),
            Err(ErrorConfiguracion::TokenServicioCorto)
        ));
        let vacia = desde(&[]).unwrap();
        assert!(vacia.personal.is_empty() && vacia.token_servicio.is_none());
    }
}

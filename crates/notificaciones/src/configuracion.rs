//! The configuration of the notification service, read once from the environment.

use seedwork_mensajeria::url_desde;
use seedwork_persistencia::Motor;

/// Which broker to consume from and where the inbox lives. `RUST_LOG` is read by
/// `seedwork_mensajeria::telemetria`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuracion {
    /// `PULSAR_URL`, else `PULSAR_ADDRESS` or `BROKER_HOST` (`host[:port]`); default
    /// `pulsar://127.0.0.1:6650`, where aeroalpes starts its embedded broker.
    pub url_broker: String,
    /// `NOTIFICACIONES_DATABASE_URL`: `postgres://…`, `sqlite://PATH` or a path; default
    /// `data/notificaciones.db`. It holds the inbox of the messages already notified.
    pub url_base_datos: String,
    /// `NOTIFICACIONES_METRICS_PORT`: the port of `GET /metrics` (Prometheus), default
    /// 9102; 0 picks a free one.
    pub puerto_metricas: u16,
    /// `NOTIFICACIONES_RETENCION_INBOX_HORAS`, default 168 (a week), decimals allowed, one
    /// minute at least: how long the inbox keeps the ids of messages notified. It must
    /// outlive any redelivery; a value out of range keeps the default.
    pub retencion_inbox: chrono::TimeDelta,
}

impl Default for Configuracion {
    fn default() -> Self {
        Self {
            url_broker: Self::BROKER_POR_DEFECTO.into(),
            url_base_datos: Self::BASE_DATOS_POR_DEFECTO.into(),
            puerto_metricas: Self::PUERTO_METRICAS_POR_DEFECTO,
            retencion_inbox: seedwork_persistencia::barrido::RETENCION_POR_DEFECTO,
        }
    }
}

impl Configuracion {
    pub const BROKER_POR_DEFECTO: &'static str = "pulsar://127.0.0.1:6650";
    pub const BASE_DATOS_POR_DEFECTO: &'static str = "data/notificaciones.db";
    pub const VARIABLE_BASE_DATOS: &'static str = "NOTIFICACIONES_DATABASE_URL";
    pub const PUERTO_METRICAS_POR_DEFECTO: u16 = 9102;
    pub const VARIABLE_PUERTO_METRICAS: &'static str = "NOTIFICACIONES_METRICS_PORT";
    pub const VARIABLE_RETENCION_INBOX: &'static str = "NOTIFICACIONES_RETENCION_INBOX_HORAS";

    pub fn desde_entorno() -> Self {
        Self::desde(|nombre| std::env::var(nombre).ok())
    }

    /// Reads the configuration from any source of variables (the environment, or a map in
    /// tests). A bad URL shows up when connecting; a metrics port that is not a number
    /// keeps the default.
    pub fn desde(variable: impl Fn(&str) -> Option<String>) -> Self {
        let por_defecto = Self::default();
        Self {
            url_broker: url_desde(&variable).unwrap_or(por_defecto.url_broker),
            url_base_datos: variable(Self::VARIABLE_BASE_DATOS)
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty())
                .unwrap_or(por_defecto.url_base_datos),
            puerto_metricas: variable(Self::VARIABLE_PUERTO_METRICAS)
                .and_then(|puerto| puerto.trim().parse().ok())
                .unwrap_or(por_defecto.puerto_metricas),
            retencion_inbox: variable(Self::VARIABLE_RETENCION_INBOX)
                .and_then(|horas| seedwork_persistencia::barrido::retencion_en_horas(&horas))
                .unwrap_or(por_defecto.retencion_inbox),
        }
    }

    /// The database URL without its password, fit for a log line.
    pub fn descripcion_base_datos(&self) -> String {
        Motor::desde_url(&self.url_base_datos).descripcion()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuracion(pares: &[(&str, &str)]) -> Configuracion {
        Configuracion::desde(|nombre| {
            pares
                .iter()
                .find(|(k, _)| *k == nombre)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn an_empty_environment_means_the_embedded_broker_and_a_local_sqlite_file() {
        assert_eq!(configuracion(&[]), Configuracion::default());
        assert_eq!(
            configuracion(&[]).url_broker,
            Configuracion::BROKER_POR_DEFECTO
        );
        assert_eq!(
            configuracion(&[("NOTIFICACIONES_DATABASE_URL", "  ")]).url_base_datos,
            Configuracion::BASE_DATOS_POR_DEFECTO
        );
    }

    #[test]
    fn the_broker_is_found_under_the_tutorial_names_too() {
        assert_eq!(
            configuracion(&[("PULSAR_ADDRESS", "pulsar")]).url_broker,
            "pulsar://pulsar:6650"
        );
        assert_eq!(
            configuracion(&[("PULSAR_URL", "pulsar://b:1"), ("BROKER_HOST", "c")]).url_broker,
            "pulsar://b:1"
        );
    }

    #[test]
    fn the_inbox_database_is_its_own_variable_and_its_password_is_not_logged() {
        let leida = configuracion(&[
            ("NOTIFICACIONES_DATABASE_URL", "postgres://u:secreto@db/n"),
            ("DATABASE_URL", "otra.db"),
        ]);
        assert_eq!(leida.url_base_datos, "postgres://u:secreto@db/n");
        assert!(!leida.descripcion_base_datos().contains("secreto"));
    }
}

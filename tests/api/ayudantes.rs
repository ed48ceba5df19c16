//! Starts the real application on port 0 and offers typed helpers to call it; captures
//! what the servers of this test binary log.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aeroalpes::configuracion::{
    BrokerEmbebido, Configuracion, ProxiesConfiables, Rol, SecretoJwt, TokenServicio,
};
use aeroalpes::startup::{Aplicacion, MIGRACIONES};
use clientes_dominio::Email;
use reqwest::{Client, Response};
use seedwork_persistencia::outbox;
use seedwork_pruebas::bases::{self, BaseDePrueba};
use serde_json::{json, Value};

/// The key every test server signs its tokens with, so that tests can forge tokens.
pub const SECRETO_JWT: &[u8] = b"el secreto de los servidores de prueba de la API";

/// What the servers of this test binary have logged so far, at DEBUG level and above.
pub fn logs() -> String {
    let buffer = capturar_logs().lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Installs, once per test binary, a subscriber that writes every log line to a buffer.
fn capturar_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let escritor = Arc::clone(&buffer);
        seedwork_mensajeria::telemetria::inicializar_con(
            move || Captura(Arc::clone(&escritor)),
            "debug",
        );
        buffer
    })
}

struct Captura(Arc<Mutex<Vec<u8>>>);

impl Write for Captura {
    fn write(&mut self, datos: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.0.lock().unwrap_or_else(|e| e.into_inner());
        buffer.extend_from_slice(datos);
        Ok(datos.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fixture of the shared folder: BOG -> MAD -> CDG, one itinerary, two legs.
/// The e-mail of the test servers' staff user (`AEROALPES_PERSONAL`).
pub const EMAIL_PERSONAL: &str = "personal@aeroalpes.co";

/// The test servers' service token (`AEROALPES_TOKEN_SERVICIO`).
pub const TOKEN_SERVICIO: &str = "el token de servicio de los servidores de prueba";

pub fn reserva_bog_mad() -> Value {
    serde_json::from_str(include_str!("../fixtures/reserva_bog_mad.json"))
        .expect("the fixture is JSON")
}

pub struct AppDePrueba {
    pub direccion: String,
    pub cliente: Client,
    pub base: BaseDePrueba,
    /// The application's embedded broker (`pulsar://…`).
    pub url_broker: String,
    _datos_broker: tempfile::TempDir,
}

/// The application on a fresh SQLite database.
pub async fn spawn_app() -> AppDePrueba {
    spawn_app_en(bases::sqlite(&MIGRACIONES)).await
}

/// The application on the given test database.
pub async fn spawn_app_en(base: BaseDePrueba) -> AppDePrueba {
    spawn_app_configurada(base, None).await
}

/// The application on a fresh SQLite database, using the broker at `url_broker` instead of
/// an embedded one of its own.
pub async fn spawn_app_con_broker(url_broker: String) -> AppDePrueba {
    spawn_app_configurada(bases::sqlite(&MIGRACIONES), Some(url_broker)).await
}

/// The application in role `rol` on the given database, with the broker at `url_broker`
/// or an embedded one of its own.
pub async fn spawn_app_con_rol(
    base: BaseDePrueba,
    url_broker: Option<String>,
    rol: Rol,
) -> AppDePrueba {
    spawn_app_de(base, url_broker, rol, ProxiesConfiables::default()).await
}

/// The application on a fresh SQLite database, trusting the proxies `proxies` names as
/// `AEROALPES_PROXIES_CONFIABLES` would (`127.0.0.1`: the connections of [`Client::new`]
/// come from a trusted proxy, those of `cliente_desde("127.0.0.2")` do not).
pub async fn spawn_app_tras_proxies(proxies: &str) -> AppDePrueba {
    let proxies_confiables = Configuracion::desde(|nombre| {
        (nombre == "AEROALPES_PROXIES_CONFIABLES").then(|| proxies.to_owned())
    })
    .expect("a list of trusted proxies")
    .proxies_confiables;
    spawn_app_de(
        bases::sqlite(&MIGRACIONES),
        None,
        Rol::Todo,
        proxies_confiables,
    )
    .await
}

/// An HTTP client whose connections come from the loopback address `ip` (any of
/// 127.0.0.0/8 on Linux), so that a test can be several clients, or a proxy and a client.
pub fn cliente_desde(ip: &str) -> Client {
    Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().expect("an address"))
        .build()
        .expect("a client")
}

async fn spawn_app_configurada(base: BaseDePrueba, url_broker: Option<String>) -> AppDePrueba {
    spawn_app_de(base, url_broker, Rol::Todo, ProxiesConfiables::default()).await
}

async fn spawn_app_de(
    base: BaseDePrueba,
    url_broker: Option<String>,
    rol: Rol,
    proxies_confiables: ProxiesConfiables,
) -> AppDePrueba {
    capturar_logs();
    let datos_broker = tempfile::tempdir().expect("a directory for the broker's data");
    let configuracion = Configuracion {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_base_datos: base.url.clone(),
        secreto_jwt: SecretoJwt::new(SECRETO_JWT).expect("a long enough secret"),
        broker_embebido: BrokerEmbebido {
            puerto: 0,
            directorio: datos_broker.path().to_owned(),
            puerto_admin: None,
        },
        url_broker,
        personal: [EMAIL_PERSONAL]
            .into_iter()
            .map(|email| Email::parse(email).expect("an e-mail"))
            .collect(),
        token_servicio: Some(TokenServicio::new(TOKEN_SERVICIO).expect("a long token")),
        rol,
        proxies_confiables,
        ..Configuracion::default()
    };
    let aplicacion = Aplicacion::construir(&configuracion)
        .await
        .expect("the application starts");
    let direccion = format!("http://127.0.0.1:{}", aplicacion.puerto());
    let url_broker = aplicacion.url_broker().to_owned();
    tokio::spawn(aplicacion.ejecutar_hasta_detener());
    let app = AppDePrueba {
        direccion,
        cliente: Client::new(),
        base,
        url_broker,
        _datos_broker: datos_broker,
    };
    // The messaging side connects in the background: tests start once it is ready.
    app.listo_con(200, PLAZO_LISTO).await;
    app
}

/// How long a starting application may take to connect to its broker.
pub const PLAZO_LISTO: Duration = Duration::from_secs(30);

impl AppDePrueba {
    /// Asks `/health/ready` until it answers `estado`, within `plazo`; answers the body.
    pub async fn listo_con(&self, estado: u16, plazo: Duration) -> Value {
        let limite = tokio::time::Instant::now() + plazo;
        loop {
            let respuesta = self.get("/health/ready").await;
            let recibido = respuesta.status().as_u16();
            let cuerpo = json(respuesta).await;
            if recibido == estado {
                return cuerpo;
            }
            assert!(
                tokio::time::Instant::now() < limite,
                "/health/ready still answers {recibido} {cuerpo} after {plazo:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn post_reserva(&self, cuerpo: &Value) -> Response {
        self.post_crudo("/vuelos/reserva", cuerpo.to_string()).await
    }

    pub async fn post_crudo(&self, ruta: &str, cuerpo: impl Into<reqwest::Body>) -> Response {
        self.cliente
            .post(format!("{}{ruta}", self.direccion))
            .body(cuerpo)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get(&self, ruta: &str) -> Response {
        self.cliente
            .get(format!("{}{ruta}", self.direccion))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn cambiar_estado(&self, id: &str, accion: &str) -> Response {
        self.post_crudo(&format!("/vuelos/reserva/{id}/{accion}"), "")
            .await
    }

    /// Creates the fixture's reservation and answers its id.
    pub async fn reserva_creada(&self) -> String {
        let respuesta = self.post_reserva(&reserva_bog_mad()).await;
        assert_eq!(respuesta.status(), 200);
        json(respuesta).await["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    pub async fn post_con_token(
        &self,
        ruta: &str,
        token: &str,
        cuerpo: impl Into<reqwest::Body>,
    ) -> Response {
        self.cliente
            .post(format!("{}{ruta}", self.direccion))
            .bearer_auth(token)
            .body(cuerpo)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get_con_token(&self, ruta: &str, token: &str) -> Response {
        self.cliente
            .get(format!("{}{ruta}", self.direccion))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_reserva_con_token(&self, cuerpo: &Value, token: &str) -> Response {
        self.post_con_token("/vuelos/reserva", token, cuerpo.to_string())
            .await
    }

    pub async fn registrar(&self, cuerpo: &Value) -> Response {
        self.post_crudo("/clientes/usuarios", cuerpo.to_string())
            .await
    }

    pub async fn iniciar_sesion(&self, email: &str, password: &str) -> Response {
        let credenciales = json!({ "email": email, "password": password });
        self.post_crudo("/clientes/login", credenciales.to_string())
            .await
    }

    /// Registers a natural client with this e-mail and password and answers its id.
    pub async fn usuario_registrado(&self, email: &str, password: &str) -> String {
        let respuesta = self.registrar(&registro_natural(email, password)).await;
        assert_eq!(respuesta.status(), 201);
        json(respuesta).await["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// Logs in and answers the bearer token.
    pub async fn token(&self, email: &str, password: &str) -> String {
        let respuesta = self.iniciar_sesion(email, password).await;
        assert_eq!(respuesta.status(), 200);
        json(respuesta).await["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Registers a user, logs it in, and answers its id and token.
    pub async fn usuario_con_token(&self, email: &str) -> (String, String) {
        let id = self.usuario_registrado(email, PASSWORD).await;
        (id, self.token(email, PASSWORD).await)
    }

    /// How many reservations, and outbox rows about reservations (commands and events of
    /// vuelos; registering a user writes clientes' event), the database holds.
    pub fn filas(&self) -> (usize, usize) {
        let mut conexion = self.base.base.conexion().expect("a connection");
        let outbox = outbox::todas(&mut conexion)
            .expect("the outbox")
            .iter()
            .filter(|fila| vuelos_contrato::contratos().any(|c| c.tipo == fila.tipo))
            .count();
        (self.contar("reservas"), outbox)
    }

    /// How many reservations users hold, over all users.
    pub fn reservas_de_usuarios(&self) -> usize {
        self.contar("usuario_reservas")
    }

    /// How many rows `tabla` holds.
    pub fn contar(&self, tabla: &str) -> usize {
        let mut conexion = self.base.base.conexion().expect("a connection");
        use diesel::prelude::*;
        let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {tabla}"))
            .get_result::<Cuenta>(&mut *conexion)
            .expect("a count")
            .n;
        n as usize
    }
}

/// The password of the users `usuario_con_token` registers.
pub const PASSWORD: &str = "clave de prueba larga";

/// The body that registers a natural client.
pub fn registro_natural(email: &str, password: &str) -> Value {
    json!({
        "tipo": "natural",
        "nombres": "Ana María",
        "apellidos": "Pérez",
        "email": email,
        "password": password,
        "cedula": {
            "numero": 1020304050u64,
            "ciudad": {"codigo": "BOG", "nombre": "Bogotá", "pais": {"codigo": "CO", "nombre": "Colombia"}}
        },
        "fecha_nacimiento": "1990-05-01"
    })
}

/// The body that registers a company.
pub fn registro_empresa(email: &str, password: &str) -> Value {
    json!({
        "tipo": "empresa",
        "nombres": "Acme",
        "apellidos": "S.A.S.",
        "email": email,
        "password": password,
        "rut": {
            "numero": 900123456u64,
            "ciudad": {"codigo": "MDE", "nombre": "Medellín", "pais": {"codigo": "CO", "nombre": "Colombia"}}
        },
        "fecha_constitucion": "2001-03-20"
    })
}

/// A token for `sub` signed with the test servers' secret, expiring `exp` (seconds since
/// the epoch): what the server itself would issue, with any expiry.
pub fn token_firmado(sub: &str, exp: i64) -> String {
    let reclamos = json!({
        "sub": sub,
        "iss": clientes_infraestructura::emisor_jwt::EMISOR,
        "iat": exp - 3600,
        "exp": exp,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &reclamos,
        &jsonwebtoken::EncodingKey::from_secret(SECRETO_JWT),
    )
    .expect("a signed token")
}

#[derive(diesel::QueryableByName)]
struct Cuenta {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

pub async fn json(respuesta: Response) -> Value {
    respuesta.json().await.expect("a JSON body")
}

//! Starts aeroalpes (with its embedded broker and a fresh SQLite file) and a ui wired to
//! it, both in this process on free ports; more ui replicas on demand.

use std::time::Duration;

use aeroalpes::configuracion::{
    BrokerEmbebido, Configuracion as ConfiguracionAeroalpes, TokenServicio,
};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};
use ui::startup::ErrorEjecucion;

/// How long a test waits for something the system does asynchronously.
pub const PLAZO: Duration = Duration::from_secs(15);

/// The fixture of the shared folder: BOG -> MAD -> CDG, one itinerary, two legs.
pub fn reserva_bog_mad() -> Value {
    serde_json::from_str(include_str!(
        "../../../../tests/fixtures/reserva_bog_mad.json"
    ))
    .expect("the fixture is JSON")
}

/// One ui replica, running until [`Ui::apagar`] (as on SIGTERM) or the test ends.
pub struct Ui {
    pub puerto: u16,
    apagar: oneshot::Sender<()>,
    fin: JoinHandle<Result<(), ErrorEjecucion>>,
}

impl Ui {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.puerto)
    }

    pub fn url_websocket(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.puerto)
    }

    /// Stops it as a signal would, and answers how it ended.
    pub async fn apagar(self) -> Result<(), ErrorEjecucion> {
        let _ = self.apagar.send(());
        tokio::time::timeout(PLAZO, self.fin)
            .await
            .expect("the ui stops in time")
            .expect("the ui's task does not panic")
    }
}

pub struct Sistema {
    pub url_aeroalpes: String,
    url_broker: String,
    pub ui: Ui,
    _datos: tempfile::TempDir,
}

impl Sistema {
    /// Another replica of the ui, on the same aeroalpes and broker.
    pub async fn otra_ui(&self) -> Ui {
        iniciar_ui(&self.url_aeroalpes, &self.url_broker).await
    }
}

/// The service token aeroalpes accepts and the ui sends.
const TOKEN_SERVICIO: &str = "token-de-servicio-de-la-ui-en-pruebas-0123456789";

pub async fn arrancar() -> Sistema {
    arrancar_con(None).await
}

/// The system on the broker at `url_broker` (one it does not own), or on aeroalpes'
/// embedded one.
pub async fn arrancar_con(url_broker: Option<String>) -> Sistema {
    let datos = tempfile::tempdir().expect("a directory for the database and the broker");
    let configuracion = ConfiguracionAeroalpes {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_base_datos: datos.path().join("aeroalpes.db").display().to_string(),
        url_broker,
        broker_embebido: BrokerEmbebido {
            puerto: 0,
            directorio: datos.path().join("broker"),
            puerto_admin: None,
        },
        token_servicio: Some(TokenServicio::new(TOKEN_SERVICIO).expect("a long token")),
        ..ConfiguracionAeroalpes::default()
    };
    let aeroalpes = aeroalpes::startup::Aplicacion::construir(&configuracion)
        .await
        .expect("aeroalpes starts");
    let url_aeroalpes = format!("http://127.0.0.1:{}", aeroalpes.puerto());
    let url_broker = aeroalpes.url_broker().to_owned();
    tokio::spawn(aeroalpes.ejecutar_hasta_detener());
    let ui = iniciar_ui(&url_aeroalpes, &url_broker).await;
    Sistema {
        url_aeroalpes,
        url_broker,
        ui,
        _datos: datos,
    }
}

async fn iniciar_ui(url_aeroalpes: &str, url_broker: &str) -> Ui {
    let ui = ui::startup::Aplicacion::construir(&ui::Configuracion {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_aeroalpes: url_aeroalpes.to_owned(),
        url_broker: url_broker.to_owned(),
        token_servicio: Some(ui::configuracion::TokenServicio(TOKEN_SERVICIO.into())),
    })
    .await
    .expect("the ui starts");
    let puerto = ui.puerto();
    let (apagar, apagado) = oneshot::channel::<()>();
    let fin = tokio::spawn(ui.ejecutar_hasta(async {
        let _ = apagado.await;
    }));
    Ui {
        puerto,
        apagar,
        fin,
    }
}

/// A websocket client of the ui, as the page is.
pub struct Cliente(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl Cliente {
    pub async fn conectar(url: &str) -> Self {
        let (ws, _) = connect_async(url)
            .await
            .expect("the ui accepts the websocket");
        Self(ws)
    }

    pub async fn enviar(&mut self, mensaje: Value) {
        self.0
            .send(Message::Text(mensaje.to_string()))
            .await
            .expect("the message is sent");
    }

    /// The next JSON message, or `None` if none arrives within `plazo`.
    pub async fn siguiente_en(&mut self, plazo: std::time::Duration) -> Option<Value> {
        loop {
            let mensaje = tokio::time::timeout(plazo, self.0.next()).await.ok()??;
            match mensaje.expect("the socket stays healthy") {
                Message::Text(texto) => {
                    return Some(serde_json::from_str(&texto).expect("the ui writes JSON"))
                }
                Message::Close(razon) => panic!("the ui closed the session: {razon:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until every one of `esperados` (tipo, evento or orden, id) has arrived, in any
    /// order; fails if one does not arrive in time.
    pub async fn esperar(&mut self, esperados: &[(&str, &str)], id: &str) -> Vec<Value> {
        let mut faltan: Vec<(&str, &str)> = esperados.to_vec();
        let mut leidos = Vec::new();
        while !faltan.is_empty() {
            let mensaje = self
                .siguiente_en(PLAZO)
                .await
                .unwrap_or_else(|| panic!("still waiting for {faltan:?}; read {leidos:?}"));
            assert_ne!(mensaje["tipo"], "error", "refused: {mensaje}");
            assert_eq!(
                mensaje["id"], id,
                "a message of another reservation: {mensaje}"
            );
            let clave = if mensaje["tipo"] == "evento" {
                "evento"
            } else {
                "orden"
            };
            faltan
                .retain(|(tipo, nombre)| !(mensaje["tipo"] == *tipo && mensaje[clave] == *nombre));
            leidos.push(mensaje);
        }
        leidos
    }

    /// Reads until the ui closes the session: its close frame, if it sent one.
    pub async fn cierre(
        &mut self,
    ) -> Option<tokio_tungstenite::tungstenite::protocol::CloseFrame<'static>> {
        loop {
            match self.0.next().await {
                Some(Ok(Message::Close(razon))) => return razon,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}

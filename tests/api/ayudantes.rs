//! Starts the real application on port 0 and offers typed helpers to call it.

use aeroalpes::configuracion::Configuracion;
use aeroalpes::startup::Aplicacion;
use reqwest::{Client, Response};
use seedwork_infraestructura::outbox;
use seedwork_infraestructura::pruebas::{self, BaseDePrueba};
use serde_json::Value;

/// The fixture of the shared folder: BOG -> MAD -> CDG, one itinerary, two legs.
pub fn reserva_bog_mad() -> Value {
    serde_json::from_str(include_str!("../fixtures/reserva_bog_mad.json"))
        .expect("the fixture is JSON")
}

pub struct AppDePrueba {
    pub direccion: String,
    pub cliente: Client,
    pub base: BaseDePrueba,
}

/// The application on a fresh SQLite database.
pub async fn spawn_app() -> AppDePrueba {
    spawn_app_en(pruebas::sqlite()).await
}

/// The application on the given test database.
pub async fn spawn_app_en(base: BaseDePrueba) -> AppDePrueba {
    aeroalpes::telemetria::inicializar();
    let configuracion = Configuracion {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_base_datos: base.url.clone(),
    };
    let aplicacion = Aplicacion::construir(&configuracion)
        .await
        .expect("the application starts");
    let direccion = format!("http://127.0.0.1:{}", aplicacion.puerto());
    tokio::spawn(aplicacion.ejecutar_hasta_detener());
    AppDePrueba {
        direccion,
        cliente: Client::new(),
        base,
    }
}

impl AppDePrueba {
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

    /// How many reservations and outbox rows the database holds.
    pub fn filas(&self) -> (usize, usize) {
        let mut conexion = self.base.base.conexion().expect("a connection");
        let outbox = outbox::todas(&mut conexion).expect("the outbox").len();
        use diesel::prelude::*;
        let reservas: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM reservas")
            .get_result::<Cuenta>(&mut *conexion)
            .expect("a count")
            .n;
        (reservas as usize, outbox)
    }
}

#[derive(diesel::QueryableByName)]
struct Cuenta {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

pub async fn json(respuesta: Response) -> Value {
    respuesta.json().await.expect("a JSON body")
}

//! Starts a real AeroAlpes (SQLite database, embedded broker) and the adaptador in this
//! process, each on port 0, and offers a gRPC client of the adaptador.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use adaptador::configuracion::Configuracion;
use adaptador::proto::vuelos_client::VuelosClient;
use adaptador::proto::{Itinerario, Reserva};
use adaptador::startup::Adaptador;
use adaptador::traduccion::itinerarios_de_dto;
use aeroalpes::configuracion::{BrokerEmbebido, Configuracion as ConfiguracionAeroalpes};
use aeroalpes::startup::{Aplicacion, MIGRACIONES};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use tonic::transport::Channel;
use vuelos_aplicacion::dto::SolicitudReservaDTO;

/// The tutorial's request (`crear_reserva.json`): BOG -> JFK, one leg.
pub const CREAR_RESERVA: &str = "tests/fixtures/crear_reserva.json";

/// The itineraries of the tutorial's request, as messages.
pub fn itinerarios_del_tutorial() -> Vec<Itinerario> {
    let texto = std::fs::read_to_string(CREAR_RESERVA).expect("the fixture is readable");
    let solicitud: SolicitudReservaDTO =
        serde_json::from_str(&texto).expect("the fixture is a reservation request");
    itinerarios_de_dto(solicitud.itinerarios).expect("the fixture's dates are valid")
}

pub fn reserva(itinerarios: Vec<Itinerario>) -> Reserva {
    Reserva {
        id: None,
        fecha_creacion: None,
        fecha_actualizacion: None,
        itinerarios,
    }
}

/// A running AeroAlpes; its database and broker directory live as long as this value.
pub struct AeroalpesDePrueba {
    pub direccion: String,
    _base: BaseDePrueba,
    _datos_broker: tempfile::TempDir,
}

pub async fn spawn_aeroalpes() -> AeroalpesDePrueba {
    let base = bases::sqlite(&MIGRACIONES);
    let datos_broker = tempfile::tempdir().expect("a directory for the broker's data");
    let configuracion = ConfiguracionAeroalpes {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_base_datos: base.url.clone(),
        broker_embebido: BrokerEmbebido {
            puerto: 0,
            directorio: datos_broker.path().to_owned(),
            puerto_admin: None,
        },
        ..ConfiguracionAeroalpes::default()
    };
    let aplicacion = Aplicacion::construir(&configuracion)
        .await
        .expect("AeroAlpes starts");
    let direccion = format!("http://127.0.0.1:{}", aplicacion.puerto());
    tokio::spawn(aplicacion.ejecutar_hasta_detener());
    AeroalpesDePrueba {
        direccion,
        _base: base,
        _datos_broker: datos_broker,
    }
}

/// Starts the adaptador on port 0 in front of `direccion_aeroalpes` (any form
/// `AEROALPES_ADDRESS` accepts); answers its URL.
pub async fn spawn_adaptador(direccion_aeroalpes: &str) -> String {
    let configuracion = Configuracion {
        host: "127.0.0.1".into(),
        puerto: 0,
        url_aeroalpes: adaptador::configuracion::url_aeroalpes(direccion_aeroalpes),
        tiempo_espera: Duration::from_secs(5),
    };
    let adaptador = Adaptador::construir(&configuracion)
        .await
        .expect("the adaptador binds");
    let url = format!("http://127.0.0.1:{}", adaptador.puerto());
    tokio::spawn(adaptador.ejecutar_hasta(std::future::pending()));
    url
}

pub async fn cliente(url: &str) -> VuelosClient<Channel> {
    VuelosClient::connect(url.to_owned())
        .await
        .expect("the adaptador accepts connections")
}

//! The flow of one reservation across processes: aeroalpes (with its embedded broker) and
//! the notification service, on SQLite and, with TEST_DATABASE_URL, PostgreSQL.

use std::time::Duration;

use aeroalpes::startup::MIGRACIONES;
use futures::StreamExt;
use pulsar::{Consumer, Pulsar, TokioExecutor};
use reqwest::Client;
use serde_json::Value;
use vuelos_contrato::{
    EventoIntegracion, EventoReservaAprobada, EventoReservaCreada, EventoReservaPagada,
    MensajeIntegracion,
};

use crate::procesos::{aeroalpes, notificaciones, raiz, PLAZO};

pub fn fixture() -> String {
    std::fs::read_to_string(raiz().join("tests/fixtures/reserva_bog_mad.json"))
        .expect("the fixture")
}

/// A consumer of `topico` from its earliest message, on its own subscription.
pub async fn suscriptor(
    broker: &Pulsar<TokioExecutor>,
    topico: &str,
) -> Consumer<Vec<u8>, TokioExecutor> {
    broker
        .consumer()
        .with_topic(topico)
        .with_subscription(format!("e2e-{}", uuid::Uuid::new_v4()))
        .with_options(
            pulsar::ConsumerOptions::default()
                .with_initial_position(pulsar::consumer::InitialPosition::Earliest),
        )
        .build()
        .await
        .expect("a test consumer")
}

/// The reservation ids of the events of type `R` received until `cuantos` arrived; then
/// checks that nothing more arrives for a moment.
pub async fn eventos<R: EventoIntegracion>(
    consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
    cuantos: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < cuantos {
        let mensaje = tokio::time::timeout(PLAZO, consumidor.next())
            .await
            .expect("an event in time")
            .unwrap()
            .unwrap();
        consumidor.ack(&mensaje).await.unwrap();
        let registro =
            R::decodificar(&mensaje.payload.data, None).expect("an event of the contract");
        ids.push(registro.a_notificacion().unwrap().id_reserva.to_string());
    }
    if let Ok(Some(Ok(_))) =
        tokio::time::timeout(Duration::from_millis(1500), consumidor.next()).await
    {
        panic!("more events than expected");
    }
    ids
}

/// Waits until the notification service subscribed to every event topic: the broker keeps
/// a message only for the subscriptions that existed when it arrived.
pub async fn esperar_suscripciones(notificador: &crate::procesos::Proceso) {
    for topico in [
        "eventos-reserva",
        "eventos-reserva-aprobada",
        "eventos-reserva-pagada",
        "eventos-reserva-cancelada",
    ] {
        notificador
            .esperar_linea(&["consumidor listo", &format!("{topico} suscripcion=")])
            .await;
    }
}

/// Polls `GET /vuelos/reserva-query/{id}` until it answers 200 with `estado`.
pub async fn esperar_estado(cliente: &Client, http: &str, id: &str, estado: &str) -> Value {
    esperar_estado_en(
        cliente,
        &format!("{http}/vuelos/reserva-query/{id}"),
        estado,
    )
    .await
}

/// Polls `GET url` (a reservation's) until it answers 200 with `estado`.
pub async fn esperar_estado_en(cliente: &Client, url: &str, estado: &str) -> Value {
    esperar_en(cliente, url, estado, |reserva| reserva["estado"] == estado).await
}

/// Polls `GET url` until it answers 200 with a body that `cumple`; `que` says what is
/// awaited, for the failure.
pub async fn esperar_en(
    cliente: &Client,
    url: &str,
    que: &str,
    cumple: impl Fn(&Value) -> bool,
) -> Value {
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        let respuesta = cliente.get(url).send().await.unwrap();
        if respuesta.status() == 200 {
            let cuerpo: Value = respuesta.json().await.unwrap();
            if cumple(&cuerpo) {
                return cuerpo;
            }
        }
        assert!(
            tokio::time::Instant::now() < limite,
            "{url} never answered 200 with {que}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Registers a client, logs it in, and answers its id and an HTTP client that sends its
/// token (booking in a client's name, and reading its reservations, need it; the
/// notification service mails only reservations that have a client).
pub async fn cliente_autenticado(http: &str) -> (String, Client) {
    let email = format!("{}@aeroalpes.example", uuid::Uuid::new_v4());
    let password = "una contraseña larga";
    let registro = serde_json::json!({
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
    });
    let anonimo = Client::new();
    let respuesta = anonimo
        .post(format!("{http}/clientes/usuarios"))
        .json(&registro)
        .send()
        .await
        .unwrap();
    assert_eq!(respuesta.status(), 201);
    let id = respuesta.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sesion = anonimo
        .post(format!("{http}/clientes/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(sesion.status(), 200);
    let token = sesion.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut cabeceras = reqwest::header::HeaderMap::new();
    cabeceras.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let cliente = Client::builder()
        .default_headers(cabeceras)
        .build()
        .unwrap();
    (id, cliente)
}

/// The fixture's body, booked for `id_cliente`.
pub fn fixture_para(id_cliente: &str) -> String {
    let mut cuerpo: Value = serde_json::from_str(&fixture()).unwrap();
    cuerpo["id_cliente"] = Value::String(id_cliente.to_owned());
    cuerpo.to_string()
}

async fn el_flujo_completo(url_base_datos: Option<String>) {
    let datos = tempfile::tempdir().unwrap();
    let url_base_datos =
        url_base_datos.unwrap_or_else(|| datos.path().join("aeroalpes.db").display().to_string());
    let sistema = aeroalpes(datos.path(), &url_base_datos, None).await;
    let notificador = notificaciones(datos.path(), &sistema.broker);
    esperar_suscripciones(&notificador).await;
    let broker = Pulsar::builder(&sistema.broker, TokioExecutor)
        .build()
        .await
        .unwrap();
    let mut creadas = suscriptor(&broker, EventoReservaCreada::TOPICO).await;
    let mut aprobadas = suscriptor(&broker, EventoReservaAprobada::TOPICO).await;
    let mut pagadas = suscriptor(&broker, EventoReservaPagada::TOPICO).await;
    let (id_cliente, cliente) = cliente_autenticado(&sistema.http).await;

    let respuesta = cliente
        .post(format!("{}/vuelos/reserva-commando", sistema.http))
        .body(fixture_para(&id_cliente))
        .send()
        .await
        .unwrap();
    assert_eq!(respuesta.status(), 202);
    let id = respuesta.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let reserva = esperar_estado(&cliente, &sistema.http, &id, "Pendiente").await;
    assert_eq!(
        reserva["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        eventos::<EventoReservaCreada>(&mut creadas, 1).await,
        vec![id.clone()]
    );
    notificador
        .esperar_linea(&["notificación enviada", &id, &id_cliente, "Reserva creada"])
        .await;

    for (accion, estado) in [("aprobar", "Aprobada"), ("pagar", "Pagada")] {
        let ruta = format!("{}/vuelos/reserva-commando/{id}/{accion}", sistema.http);
        assert_eq!(cliente.post(ruta).send().await.unwrap().status(), 202);
        esperar_estado(&cliente, &sistema.http, &id, estado).await;
    }
    assert_eq!(
        eventos::<EventoReservaAprobada>(&mut aprobadas, 1).await,
        vec![id.clone()]
    );
    assert_eq!(
        eventos::<EventoReservaPagada>(&mut pagadas, 1).await,
        vec![id.clone()]
    );
    notificador
        .esperar_linea(&["notificación enviada", &id, "Reserva aprobada"])
        .await;
    notificador
        .esperar_linea(&["notificación enviada", &id, "Reserva pagada"])
        .await;
    assert_eq!(
        notificador.lineas(&["notificación enviada", &id, "Reserva creada"]),
        1,
        "one mail per event"
    );
    sistema
        .proceso
        .esperar_linea(&["evento de reserva recibido", &id])
        .await;
}

#[tokio::test]
async fn a_reservation_asked_for_asynchronously_flows_through_every_process_on_sqlite() {
    el_flujo_completo(None).await;
}

#[tokio::test]
async fn a_reservation_asked_for_asynchronously_flows_through_every_process_on_postgresql() {
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        // The test database exists and is migrated; the process connects to it by URL.
        el_flujo_completo(Some(base.url.clone())).await;
        drop(base);
    }
}

#[tokio::test]
async fn aeroalpes_stops_cleanly_on_sigterm() {
    let datos = tempfile::tempdir().unwrap();
    let mut sistema = aeroalpes(
        datos.path(),
        &datos.path().join("a.db").display().to_string(),
        None,
    )
    .await;
    let estado = sistema.proceso.terminar();
    assert!(
        estado.success(),
        "exit status {estado:?}; log:\n{}",
        sistema.proceso.registro()
    );
    sistema.proceso.esperar_linea(&["aeroalpes detenido"]).await;
}

/// With its broker unreachable (it keeps trying to connect), aeroalpes still stops on
/// SIGTERM within its deadline.
#[tokio::test]
async fn aeroalpes_stops_on_sigterm_with_its_broker_unreachable() {
    let datos = tempfile::tempdir().unwrap();
    let cerrado = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let broker = format!("pulsar://127.0.0.1:{cerrado}");
    let mut sistema = aeroalpes(
        datos.path(),
        &datos.path().join("a.db").display().to_string(),
        Some(&broker),
    )
    .await;
    let inicio = std::time::Instant::now();
    let estado = sistema.proceso.terminar();
    assert!(
        estado.success() && inicio.elapsed() < Duration::from_secs(20),
        "exit status {estado:?} after {:?}; log:\n{}",
        inicio.elapsed(),
        sistema.proceso.registro()
    );
}

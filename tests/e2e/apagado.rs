//! Every binary stops on SIGTERM within its deadline whatever its dependencies do: with its
//! database hung (a proxy that stops answering but keeps the connections open, the worst
//! case for a client), its broker unreachable or hung, the service it calls hung, a client
//! that connected and never spoke, and requests in flight. A request that meets a hung
//! database gets a 503 within the bounded waits, not a hang. (aeroalpes with its broker
//! unreachable is in `flujo`; notificaciones' in its own crate's tests.)

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aeroalpes::startup::MIGRACIONES;

use crate::flujo::fixture;
use crate::procesos::{aeroalpes, binario, pulsar_embedded, raiz, Proceso, PLAZO};
use crate::proxy::Proxy;

/// How long any binary may take to stop once signalled: the longest of its own deadlines
/// (aeroalpes gives in-flight requests 10 s) with a margin for a loaded machine.
const PLAZO_APAGADO: Duration = Duration::from_secs(25);

/// Sends SIGTERM and checks that the process ends, successfully, within
/// [`PLAZO_APAGADO`].
fn terminar_a_tiempo(proceso: &mut Proceso) {
    let inicio = Instant::now();
    let estado = proceso.terminar();
    let tardanza = inicio.elapsed();
    assert!(
        estado.success() && tardanza < PLAZO_APAGADO,
        "{} ended with {estado:?} {tardanza:?} after SIGTERM; its log:\n{}",
        proceso.nombre,
        proceso.registro()
    );
}

/// The address a database URL names (`postgres://user@host:port/db`).
async fn destino(url: &str) -> SocketAddr {
    let (_, autoridad) = partes(url);
    let servidor = autoridad
        .rsplit_once('@')
        .map_or(autoridad, |(_, servidor)| servidor);
    tokio::net::lookup_host(servidor)
        .await
        .expect("the database's host resolves")
        .next()
        .expect("an address")
}

/// `url` with its host and port replaced by `direccion`.
fn por(url: &str, direccion: SocketAddr) -> String {
    let (esquema, autoridad) = partes(url);
    let usuario = autoridad
        .rsplit_once('@')
        .map(|(usuario, _)| format!("{usuario}@"))
        .unwrap_or_default();
    let resto = &url[esquema.len() + 3 + autoridad.len()..];
    format!("{esquema}://{usuario}{direccion}{resto}")
}

/// The scheme and the authority (`user@host:port`) of a URL.
fn partes(url: &str) -> (&str, &str) {
    let (esquema, resto) = url.split_once("://").expect("a URL with a scheme");
    let fin = resto.find(['/', '?']).unwrap_or(resto.len());
    (esquema, &resto[..fin])
}

/// A port where a hung server listens: it accepts and never answers.
async fn servidor_colgado() -> Proxy {
    let proxy = Proxy::hacia(SocketAddr::from(([127, 0, 0, 1], 1))).await;
    proxy.colgar();
    proxy
}

#[tokio::test]
async fn aeroalpes_answers_503_and_stops_on_sigterm_with_its_database_hung() {
    let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) else {
        return;
    };
    let proxy = Proxy::hacia(destino(&base.url).await).await;
    let datos = tempfile::tempdir().unwrap();
    let mut sistema = aeroalpes(datos.path(), &por(&base.url, proxy.direccion()), None).await;
    let cliente = reqwest::Client::builder().timeout(PLAZO).build().unwrap();
    let creada = cliente
        .post(format!("{}/vuelos/reserva", sistema.http))
        .header("content-type", "application/json")
        .body(fixture())
        .send()
        .await
        .unwrap();
    assert_eq!(creada.status(), 200, "booked while the database answers");

    proxy.colgar();
    // Requests and health checks fail fast with 503 and Retry-After, one after another.
    for ruta in ["/vuelos/reserva", "/health"] {
        let inicio = Instant::now();
        let respuesta = if ruta == "/health" {
            cliente.get(format!("{}{ruta}", sistema.http)).send().await
        } else {
            cliente
                .post(format!("{}{ruta}", sistema.http))
                .header("content-type", "application/json")
                .body(fixture())
                .send()
                .await
        }
        .unwrap_or_else(|e| panic!("{ruta} answers with the database hung: {e}"));
        assert_eq!(
            respuesta.status(),
            503,
            "{ruta} with the database hung; log:\n{}",
            sistema.proceso.registro()
        );
        assert!(respuesta.headers().contains_key("retry-after"), "{ruta}");
        assert!(
            inicio.elapsed() < Duration::from_secs(15),
            "{ruta} took {:?}",
            inicio.elapsed()
        );
    }
    // Stopping with requests still waiting on the database.
    for _ in 0..4 {
        let peticion = cliente
            .post(format!("{}/vuelos/reserva", sistema.http))
            .header("content-type", "application/json")
            .body(fixture())
            .send();
        tokio::spawn(peticion);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminar_a_tiempo(&mut sistema.proceso);
    drop(proxy);
    drop(base);
}

#[tokio::test]
async fn notificaciones_stops_on_sigterm_with_its_database_hung_and_a_message_in_hand() {
    let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) else {
        return;
    };
    let proxy = Proxy::hacia(destino(&base.url).await).await;
    let datos = tempfile::tempdir().unwrap();
    let sistema = aeroalpes(
        datos.path(),
        &datos.path().join("a.db").display().to_string(),
        None,
    )
    .await;
    let mut servicio = Proceso::iniciar(
        "notificaciones",
        &binario("notificaciones"),
        &[],
        &[
            ("PULSAR_URL", sistema.broker.clone()),
            (
                "NOTIFICACIONES_DATABASE_URL",
                por(&base.url, proxy.direccion()),
            ),
            ("NOTIFICACIONES_METRICS_PORT", "0".to_owned()),
        ],
    );
    servicio.esperar_linea(&["conectado al broker"]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    proxy.colgar();
    let creada = reqwest::Client::new()
        .post(format!("{}/vuelos/reserva", sistema.http))
        .header("content-type", "application/json")
        .body(fixture())
        .send()
        .await
        .unwrap();
    assert_eq!(creada.status(), 200);
    // Its event reaches the service, whose inbox cannot answer.
    tokio::time::sleep(Duration::from_secs(2)).await;
    terminar_a_tiempo(&mut servicio);
    drop(proxy);
    drop(base);
}

#[tokio::test]
async fn the_ui_stops_on_sigterm_with_its_broker_and_aeroalpes_hung() {
    let broker = servidor_colgado().await;
    let api = servidor_colgado().await;
    let mut ui = Proceso::iniciar(
        "ui",
        &binario("ui"),
        &[],
        &[
            ("UI_HOST", "127.0.0.1".to_owned()),
            ("UI_PORT", "0".to_owned()),
            ("PULSAR_URL", format!("pulsar://{}", broker.direccion())),
            ("AEROALPES_ADDRESS", format!("http://{}", api.direccion())),
        ],
    );
    ui.esperar_linea(&["ui arrancando"]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    terminar_a_tiempo(&mut ui);
}

#[tokio::test]
async fn the_adaptador_stops_on_sigterm_with_aeroalpes_hung_and_a_call_in_flight() {
    let api = servidor_colgado().await;
    let mut adaptador = Proceso::iniciar(
        "adaptador",
        &binario("adaptador"),
        &[],
        &[
            ("ADAPTADOR_HOST", "127.0.0.1".to_owned()),
            ("ADAPTADOR_PORT", "0".to_owned()),
            ("AEROALPES_ADDRESS", format!("http://{}", api.direccion())),
        ],
    );
    let puerto = adaptador
        .numero_tras(&["adaptador gRPC escuchando"], "127.0.0.1:")
        .await;
    let peticion = raiz().join("tests/fixtures/reserva_bog_mad.json");
    let cliente = Proceso::iniciar(
        "adaptador-cliente",
        &binario("adaptador-cliente"),
        &[
            &peticion.display().to_string(),
            "--direccion",
            &format!("http://127.0.0.1:{puerto}"),
            "--tiempo-espera",
            "60",
        ],
        &[],
    );
    // The call is in the adaptador, waiting on aeroalpes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    terminar_a_tiempo(&mut adaptador);
    drop(cliente);
}

#[tokio::test]
async fn the_standalone_broker_stops_on_sigterm_with_a_client_that_never_speaks() {
    let datos = tempfile::tempdir().unwrap();
    let (mut broker, puerto) = pulsar_embedded(datos.path(), 0).await;
    // Connected, and silent: not even the protocol's CONNECT.
    let _mudo = tokio::net::TcpStream::connect(("127.0.0.1", puerto))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    terminar_a_tiempo(&mut broker);
}

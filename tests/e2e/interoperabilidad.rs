//! Interoperability with the tutorial's Python services, through the official Python
//! client (pulsar-client from PyPI, installed in a virtualenv by scripts/python-venv.sh):
//! a consumer with the tutorial's schema reads our events, and our consumers read an event
//! a Python producer wrote with the tutorial's schema.

use std::process::Command;

use reqwest::Client;
use serde_json::Value;

use crate::flujo::{esperar_estado, fixture};
use crate::procesos::{aeroalpes, notificaciones, raiz, Proceso};

fn preparar_python() {
    let preparado = Command::new(raiz().join("scripts/python-venv.sh"))
        .status()
        .expect("python-venv.sh runs");
    assert!(preparado.success(), "python-venv.sh failed");
}

fn python(script: &str, argumentos: &[&str]) -> String {
    preparar_python();
    let salida = Command::new(raiz().join(".venv/bin/python"))
        .arg(raiz().join("tests/e2e/python").join(script))
        .args(argumentos)
        .output()
        .expect("python runs");
    assert!(
        salida.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&salida.stdout),
        String::from_utf8_lossy(&salida.stderr)
    );
    String::from_utf8_lossy(&salida.stdout).into_owned()
}

#[tokio::test]
async fn a_python_consumer_with_the_tutorial_schema_reads_our_events() {
    let datos = tempfile::tempdir().unwrap();
    let sistema = aeroalpes(
        datos.path(),
        &datos.path().join("a.db").display().to_string(),
        None,
    )
    .await;
    tokio::task::spawn_blocking(preparar_python).await.unwrap();
    let esquema = raiz().join("tests/fixtures/tutorial-schemas/EventoReservaCreada.avsc");
    let script = raiz().join("tests/e2e/python/consumir_con_esquema_tutorial.py");
    // Subscribed before the event is published: like Apache Pulsar without retention, the
    // broker keeps a message only for the subscriptions that existed when it arrived.
    let consumidor = Proceso::iniciar(
        "python",
        &raiz().join(".venv/bin/python"),
        &[
            &script.display().to_string(),
            &sistema.broker,
            &esquema.display().to_string(),
            "1",
        ],
        &[],
    );
    consumidor.esperar_linea(&["listo"]).await;

    let cliente = Client::new();
    let respuesta = cliente
        .post(format!("{}/vuelos/reserva-commando", sistema.http))
        .body(fixture())
        .send()
        .await
        .unwrap();
    let id = respuesta.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    esperar_estado(&cliente, &sistema.http, &id, "Pendiente").await;

    let linea = consumidor.esperar_linea(&["\"id_reserva\""]).await;
    let evento: Value = serde_json::from_str(&linea).unwrap();
    assert_eq!(evento["id_reserva"], Value::String(id));
    assert_eq!(evento["estado"], "Pendiente");
    assert!(evento["fecha_creacion"].as_i64().is_some_and(|ms| ms > 0));
}

#[tokio::test]
async fn our_consumers_read_an_event_a_python_producer_wrote_with_the_tutorial_schema() {
    let datos = tempfile::tempdir().unwrap();
    let sistema = aeroalpes(
        datos.path(),
        &datos.path().join("a.db").display().to_string(),
        None,
    )
    .await;
    let notificador = notificaciones(datos.path(), &sistema.broker);
    // Let the consumers subscribe first: they start from the latest message.
    sistema
        .proceso
        .esperar_linea(&["consumidor listo", "eventos-reserva suscripcion="])
        .await;
    notificador
        .esperar_linea(&["consumidor listo", "eventos-reserva suscripcion="])
        .await;

    let id_reserva = uuid::Uuid::new_v4().to_string();
    let id_cliente = uuid::Uuid::new_v4().to_string();
    tokio::task::spawn_blocking({
        let (broker, id_reserva, id_cliente) = (
            sistema.broker.clone(),
            id_reserva.clone(),
            id_cliente.clone(),
        );
        move || {
            python(
                "producir_con_esquema_tutorial.py",
                &[&broker, &id_reserva, &id_cliente],
            )
        }
    })
    .await
    .unwrap();

    notificador
        .esperar_linea(&["notificación enviada", &id_reserva, &id_cliente])
        .await;
    sistema
        .proceso
        .esperar_linea(&["evento de reserva recibido", &id_reserva])
        .await;
}

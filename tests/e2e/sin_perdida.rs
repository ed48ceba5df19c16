//! No loss and no duplicates when a process goes away: the broker killed (SIGKILL) while
//! commands keep arriving, then started again on its data; aeroalpes itself killed in the
//! middle of its group commits.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pulsar::{Pulsar, TokioExecutor};
use reqwest::Client;
use serde_json::Value;
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};

use crate::flujo::{
    cliente_autenticado, esperar_estado, esperar_estado_en, esperar_suscripciones, fixture,
    fixture_para, suscriptor,
};
use crate::procesos::{aeroalpes, notificaciones, pulsar_embedded, PLAZO};

#[tokio::test]
async fn every_command_accepted_while_the_broker_was_down_yields_one_reservation_one_event_and_one_mail(
) {
    let datos = tempfile::tempdir().unwrap();
    let datos_broker = datos.path().join("broker-externo");
    let (mut broker_proceso, puerto) = pulsar_embedded(&datos_broker, 0).await;
    let url_broker = format!("pulsar://127.0.0.1:{puerto}");
    let sistema = aeroalpes(
        datos.path(),
        &datos.path().join("aeroalpes.db").display().to_string(),
        Some(&url_broker),
    )
    .await;
    let notificador = notificaciones(datos.path(), &url_broker);
    esperar_suscripciones(&notificador).await;
    let broker = Pulsar::builder(&url_broker, TokioExecutor)
        .build()
        .await
        .unwrap();
    let mut eventos = suscriptor(&broker, EventoReservaCreada::TOPICO).await;
    let (id_cliente, cliente) = cliente_autenticado(&sistema.http).await;
    let aceptar = |cliente: Client, http: String| {
        let cuerpo = fixture_para(&id_cliente);
        async move {
            let respuesta = cliente
                .post(format!("{http}/vuelos/reserva-commando"))
                .body(cuerpo)
                .send()
                .await
                .unwrap();
            assert_eq!(
                respuesta.status(),
                202,
                "accepted whatever the broker's state"
            );
            respuesta.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(aceptar(cliente.clone(), sistema.http.clone()).await);
    }
    broker_proceso.matar();
    for _ in 0..20 {
        ids.push(aceptar(cliente.clone(), sistema.http.clone()).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_broker_de_nuevo, _) = pulsar_embedded(&datos_broker, puerto).await;
    for _ in 0..10 {
        ids.push(aceptar(cliente.clone(), sistema.http.clone()).await);
    }

    for id in &ids {
        esperar_estado(&cliente, &sistema.http, id, "Pendiente").await;
    }
    // Every reservation's event was raised once (one envelope id) and reached the topic;
    // a publication retried across the crash may repeat on the topic, which consumers
    // absorb through their inbox: each reservation is mailed exactly once.
    let mut envolturas: HashMap<String, HashSet<String>> = HashMap::new();
    while envolturas.len() < ids.len() {
        let mensaje = tokio::time::timeout(PLAZO, eventos.next())
            .await
            .expect("every event in time")
            .unwrap()
            .unwrap();
        eventos.ack(&mensaje).await.unwrap();
        let registro = EventoReservaCreada::decodificar(&mensaje.payload.data, None).unwrap();
        let id = registro.a_notificacion().unwrap().id_reserva.to_string();
        envolturas
            .entry(id)
            .or_default()
            .insert(registro.id_mensaje().unwrap().to_owned());
    }
    assert_eq!(
        envolturas.keys().cloned().collect::<HashSet<_>>(),
        ids.iter().cloned().collect::<HashSet<_>>()
    );
    assert!(
        envolturas.values().all(|e| e.len() == 1),
        "one event per reservation"
    );
    for id in &ids {
        notificador
            .esperar_linea(&["notificación enviada", id])
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in &ids {
        assert_eq!(
            notificador.lineas(&["notificación enviada", id]),
            1,
            "one mail for {id}"
        );
    }
}

/// The sum and count of a histogram without labels in a `/metrics` text.
fn suma_y_cuenta(metricas: &str, nombre: &str) -> (f64, f64) {
    let valor = |sufijo: &str| {
        metricas
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{nombre}{sufijo} ")))
            .map(|v| v.trim().parse::<f64>().unwrap())
            .unwrap_or(0.0)
    };
    (valor("_sum"), valor("_count"))
}

#[tokio::test]
async fn a_kill_in_the_middle_of_group_commits_loses_nothing_that_was_answered() {
    let datos = tempfile::tempdir().unwrap();
    let base = datos.path().join("aeroalpes.db").display().to_string();
    let mut sistema = aeroalpes(datos.path(), &base, None).await;
    let cliente = Client::new();
    // Reservations answered 200 (booked at once) and 202 (accepted: a command in the
    // outbox), each only once its group's commit is done.
    let reservadas = Arc::new(Mutex::new(Vec::<String>::new()));
    let aceptadas = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut clientes = Vec::new();
    for n in 0..32 {
        let (ruta, respuestas, esperado) = if n % 2 == 0 {
            ("reserva", reservadas.clone(), 200)
        } else {
            ("reserva-commando", aceptadas.clone(), 202)
        };
        let url = format!("{}/vuelos/{ruta}", sistema.http);
        let cliente = cliente.clone();
        clientes.push(tokio::spawn(async move {
            // Until the process dies under it: a request cut off was never answered.
            while let Ok(respuesta) = cliente
                .post(&url)
                .body(fixture())
                .header("content-type", "application/json")
                .send()
                .await
            {
                assert_eq!(respuesta.status(), esperado);
                let Ok(cuerpo) = respuesta.json::<Value>().await else {
                    break;
                };
                respuestas
                    .lock()
                    .unwrap()
                    .push(cuerpo["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let limite = tokio::time::Instant::now() + PLAZO;
    let (unidades, grupos) = loop {
        let metricas = cliente
            .get(format!("{}/metrics", sistema.http))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (unidades, grupos) = suma_y_cuenta(&metricas, "aeroalpes_escritura_grupo_unidades");
        let respondidas = reservadas.lock().unwrap().len() + aceptadas.lock().unwrap().len();
        if respondidas >= 400 && unidades > grupos {
            break (unidades, grupos);
        }
        assert!(
            tokio::time::Instant::now() < limite,
            "no load with groups of more than one unit: {respondidas} answered, {unidades} units in {grupos} groups"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(unidades > grupos, "units of work were committed together");

    sistema.proceso.matar();
    for cliente in clientes {
        cliente.await.unwrap();
    }
    let reservadas = reservadas.lock().unwrap().clone();
    let aceptadas = aceptadas.lock().unwrap().clone();

    let sistema = aeroalpes(datos.path(), &base, None).await;
    for id in &reservadas {
        let respuesta = cliente
            .get(format!("{}/vuelos/reserva/{id}", sistema.http))
            .send()
            .await
            .unwrap();
        assert_eq!(respuesta.status(), 200, "the booked reservation {id}");
    }
    for id in &aceptadas {
        esperar_estado_en(
            &cliente,
            &format!("{}/vuelos/reserva-query/{id}", sistema.http),
            "Pendiente",
        )
        .await;
    }
}

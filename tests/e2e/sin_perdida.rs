//! No loss and no duplicates when the broker goes away: aeroalpes on a broker of its own
//! process, killed (SIGKILL) while commands keep arriving, then started again on its data.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use pulsar::{Pulsar, TokioExecutor};
use reqwest::Client;
use serde_json::Value;
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};

use crate::flujo::{
    cliente_autenticado, esperar_estado, esperar_suscripciones, fixture_para, suscriptor,
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

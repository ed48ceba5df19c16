//! The schema registry, through the `pulsar` crate, raw GET_SCHEMA and the admin API.

mod common;

use common::*;
use pulsar::{message::proto, ProducerOptions, SubType};

const TUTORIAL: &str =
    include_str!("../../../../shared/fixtures/tutorial-schemas/EventoReservaCreada.avsc");

/// The tutorial's event with one more nullable field: FULL compatible with it.
const EXTENDED: &str = r#"{"type":"record","name":"EventoReservaCreada","fields":[
  {"name":"data","type":["null",{"type":"record","name":"ReservaCreadaPayload","fields":[
    {"name":"id_reserva","type":["null","string"],"default":null},
    {"name":"id_cliente","type":["null","string"],"default":null},
    {"name":"estado","type":["null","string"],"default":null},
    {"name":"fecha_creacion","type":["null","long"],"default":null}]}],"default":null},
  {"name":"id","type":["null","string"],"default":null}]}"#;

/// The same record name with a field of another type: not compatible.
const INCOMPATIBLE: &str =
    r#"{"type":"record","name":"EventoReservaCreada","fields":[{"name":"data","type":"long"}]}"#;

fn avro(definition: &str) -> proto::Schema {
    proto::Schema {
        name: "eventos".into(),
        schema_data: definition.as_bytes().to_vec(),
        r#type: proto::schema::Type::Avro as i32,
        properties: Vec::new(),
    }
}

async fn producer_with(
    pulsar: &pulsar::Pulsar<pulsar::TokioExecutor>,
    topic: &str,
    definition: &str,
) -> Result<pulsar::producer::Producer<pulsar::TokioExecutor>, pulsar::Error> {
    pulsar
        .producer()
        .with_topic(topic)
        .with_options(ProducerOptions {
            schema: Some(avro(definition)),
            ..Default::default()
        })
        .build()
        .await
}

#[tokio::test]
async fn schemas_get_increasing_versions_that_messages_and_get_schema_carry() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("eventos-reserva");
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;

    let mut v0 = producer_with(&pulsar, &topic, TUTORIAL).await.unwrap();
    v0.send_non_blocking(vec![0u8])
        .await
        .unwrap()
        .await
        .unwrap();
    let mut v1 = producer_with(&pulsar, &topic, EXTENDED).await.unwrap();
    v1.send_non_blocking(vec![0u8, 0])
        .await
        .unwrap()
        .await
        .unwrap();

    let first = next(&mut consumer, WAIT).await.unwrap();
    let second = next(&mut consumer, WAIT).await.unwrap();
    assert_eq!(
        first.metadata().schema_version,
        Some(0u64.to_be_bytes().to_vec())
    );
    assert_eq!(
        second.metadata().schema_version,
        Some(1u64.to_be_bytes().to_vec())
    );

    let mut raw = RawClient::connect(broker.address()).await;
    raw.send(command(proto::base_command::Type::GetSchema, |c| {
        c.get_schema = Some(proto::CommandGetSchema {
            request_id: 7,
            topic: topic.clone(),
            schema_version: Some(0u64.to_be_bytes().to_vec()),
        })
    }))
    .await;
    let response = raw
        .recv()
        .await
        .unwrap()
        .command
        .get_schema_response
        .unwrap();
    assert_eq!(response.schema.unwrap().schema_data, TUTORIAL.as_bytes());

    let (status, latest) = admin_get(
        broker.admin_address().unwrap(),
        "/admin/v2/schemas/public/default/eventos-reserva/schema",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(latest["version"], 1);
    assert_eq!(latest["type"], "AVRO");
    assert_eq!(latest["data"], EXTENDED);
    broker.shutdown().await;
}

#[tokio::test]
async fn an_incompatible_producer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("incompatible");
    producer_with(&pulsar, &topic, TUTORIAL).await.unwrap();
    let error = producer_with(&pulsar, &topic, INCOMPATIBLE)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("IncompatibleSchema"), "{error}");
    broker.shutdown().await;
}

#[tokio::test]
async fn get_or_create_schema_registers_once_and_versions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let topic = topic("get-or-create");
    for _ in 0..2 {
        let broker = start_broker(dir.path()).await;
        let mut raw = RawClient::connect(broker.address()).await;
        for definition in [TUTORIAL, EXTENDED] {
            raw.send(command(proto::base_command::Type::GetOrCreateSchema, |c| {
                c.get_or_create_schema = Some(proto::CommandGetOrCreateSchema {
                    request_id: 1,
                    topic: topic.clone(),
                    schema: avro(definition),
                })
            }))
            .await;
            raw.recv().await.unwrap();
        }
        raw.send(command(proto::base_command::Type::GetOrCreateSchema, |c| {
            c.get_or_create_schema = Some(proto::CommandGetOrCreateSchema {
                request_id: 2,
                topic: topic.clone(),
                schema: avro(INCOMPATIBLE),
            })
        }))
        .await;
        let refused = raw
            .recv()
            .await
            .unwrap()
            .command
            .get_or_create_schema_response
            .unwrap();
        assert_eq!(
            refused.error_code,
            Some(proto::ServerError::IncompatibleSchema as i32)
        );
        let (_, latest) = admin_get(
            broker.admin_address().unwrap(),
            "/admin/v2/schemas/public/default/get-or-create/schema",
        )
        .await;
        assert_eq!(latest["version"], 1);
        broker.shutdown().await;
    }
}

//! The official Python client (pulsar-client 3.x, the C++ client underneath) against the
//! embedded broker. `scripts/python-venv.sh` installs it on first use.

mod common;

use std::{path::PathBuf, process::Command};

use apache_avro::types::Value;
use common::*;
use pulsar::{message::proto, ProducerOptions};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a script of tests/python with the venv's interpreter; returns its stdout.
fn python(script: &str, args: &[&str]) -> String {
    let setup = Command::new(workspace().join("scripts/python-venv.sh"))
        .status()
        .expect("python-venv.sh runs");
    assert!(setup.success(), "python-venv.sh failed");
    let output = Command::new(workspace().join(".venv/bin/python"))
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/python")
                .join(script),
        )
        .args(args)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// [`python`] on a blocking thread, so that the broker of the test keeps running.
async fn run_python(script: &'static str, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        python(script, &args)
    })
    .await
    .expect("the script's thread")
}

const TUTORIAL: &str = "../../../shared/fixtures/tutorial-schemas/EventoReservaCreada.avsc";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_producer_and_consumer_exchange_avro_records_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "avro_roundtrip.py",
        &[&url, "persistent://public/default/eventos-reserva", "200"],
    )
    .await;
    assert!(stdout.contains("received 200"), "{stdout}");
    let (_, stats) = admin_get(
        broker.admin_address().unwrap(),
        "/admin/v2/persistent/public/default/eventos-reserva/stats",
    )
    .await;
    assert_eq!(stats["msgInCounter"], 200);
    assert_eq!(
        stats["subscriptions"]["sub-notificacion-eventos-reservas"]["msgBacklog"],
        0
    );
    let (_, schema) = admin_get(
        broker.admin_address().unwrap(),
        "/admin/v2/schemas/public/default/eventos-reserva/schema",
    )
    .await;
    assert_eq!(schema["type"], "AVRO");
    broker.shutdown().await;
}

/// Our event: the tutorial's payload plus envelope fields the tutorial does not know.
const EXTENDED: &str = r#"{"type":"record","name":"EventoReservaCreada","fields":[
  {"name":"data","type":["null",{"type":"record","name":"ReservaCreadaPayload","fields":[
    {"name":"id_reserva","type":["null","string"],"default":null},
    {"name":"id_cliente","type":["null","string"],"default":null},
    {"name":"estado","type":["null","string"],"default":null},
    {"name":"fecha_creacion","type":["null","long"],"default":null}]}],"default":null},
  {"name":"id","type":["null","string"],"default":null},
  {"name":"service_name","type":["null","string"],"default":null}]}"#;

fn event(schema: &apache_avro::Schema, id: &str) -> Vec<u8> {
    let some = |v: Value| Value::Union(1, Box::new(v));
    let payload = Value::Record(vec![
        ("id_reserva".into(), some(Value::String(id.into()))),
        ("id_cliente".into(), some(Value::String("c-1".into()))),
        ("estado".into(), some(Value::String("Pendiente".into()))),
        (
            "fecha_creacion".into(),
            some(Value::Long(1_794_412_800_000)),
        ),
    ]);
    let record = Value::Record(vec![
        ("data".into(), some(payload)),
        ("id".into(), some(Value::String(format!("evt-{id}")))),
        (
            "service_name".into(),
            some(Value::String("aeroalpes".into())),
        ),
    ]);
    apache_avro::writer::datum::GenericDatumWriter::builder(schema)
        .build()
        .expect("writer")
        .write_value_to_vec(record)
        .expect("valid record")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_consumer_decodes_rust_avro_with_the_writer_schema_fetched_by_version() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("eventos-reserva-v1");
    let tutorial =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL)).unwrap();
    let schema_of = |definition: &str| proto::Schema {
        name: "eventos".into(),
        schema_data: definition.as_bytes().to_vec(),
        r#type: proto::schema::Type::Avro as i32,
        properties: Vec::new(),
    };
    // Version 0 is the tutorial's schema, so ours becomes version 1.
    pulsar
        .producer()
        .with_topic(&topic)
        .with_options(ProducerOptions {
            schema: Some(schema_of(&tutorial)),
            ..Default::default()
        })
        .build()
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    let mut producer = pulsar
        .producer()
        .with_topic(&topic)
        .with_options(ProducerOptions {
            schema: Some(schema_of(EXTENDED)),
            batch_size: Some(3),
            ..Default::default()
        })
        .build()
        .await
        .unwrap();
    let avro = apache_avro::Schema::parse_str(EXTENDED).unwrap();
    let mut receipts = Vec::new();
    for id in ["r-1", "r-2", "r-3"] {
        receipts.push(producer.send_non_blocking(event(&avro, id)).await.unwrap());
    }
    for receipt in receipts {
        receipt.await.unwrap();
    }

    let url = format!("pulsar://{}", broker.address());
    let reader = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL);
    let stdout = run_python(
        "read_with_writer_schema.py",
        &[&url, &topic, reader.to_str().unwrap(), "3"],
    )
    .await;
    assert_eq!(
        // The C++ client logs on stdout too: keep the script's own lines.
        stdout
            .lines()
            .filter(|line| line.starts_with("version "))
            .collect::<Vec<_>>(),
        [
            "version 1 estado Pendiente id r-1",
            "version 1 estado Pendiente id r-2",
            "version 1 estado Pendiente id r-3",
        ]
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_consumer_gets_messages_sent_with_deliver_after_and_deliver_at_at_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "delayed_delivery.py",
        &[&url, "persistent://public/default/delayed-python"],
    )
    .await;
    assert!(stdout.contains("delayed ok"), "{stdout}");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_producer_on_a_namespace_that_does_not_exist_raises_topic_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "unknown_namespace.py",
        &[
            &url,
            "persistent://acme/no-existe/t",
            "persistent://public/default/existe",
        ],
    )
    .await;
    assert!(stdout.contains("refused TopicNotFound"), "{stdout}");
    assert!(stdout.contains("sent"), "{stdout}");
    broker.shutdown().await;
}

/// A 10 MiB, a 1 KiB and a 7 MiB message sent with chunking (the limit is 5 MiB) arrive
/// whole, in order, once each, after a restart of the broker between sending and
/// receiving; with deduplication off (the default) and on (every chunk shares its
/// message's sequence id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_messages_survive_a_restart_and_arrive_whole_with_and_without_deduplication() {
    for deduplication in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let topic = format!("persistent://public/default/chunks-{deduplication}");
        let broker = start_broker_with(dir.path(), |c| c.deduplication = deduplication).await;
        let (url, t) = (format!("pulsar://{}", broker.address()), topic.clone());
        let sent = run_python("chunking.py", &[&url, &t, "send"]).await;
        assert!(sent.contains("sent"), "{sent}");
        broker.shutdown().await;

        let broker = start_broker_with(dir.path(), |c| c.deduplication = deduplication).await;
        let url = format!("pulsar://{}", broker.address());
        let received = run_python("chunking.py", &[&url, &topic, "receive"]).await;
        assert!(
            received.contains("received ok"),
            "dedup {deduplication}: {received}"
        );
        broker.shutdown().await;
    }
}

/// Exclusive, ExclusiveWithFencing and WaitForExclusive producers, as the official client
/// asks for them: refusals, fencing and the wait, and nothing stored from a refused or
/// fenced producer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_access_modes_admit_refuse_fence_and_wait_as_apache_pulsar() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "access_modes.py",
        &[&url, "persistent://public/default/acceso"],
    )
    .await;
    assert!(stdout.contains("access modes ok"), "{stdout}");
    broker.shutdown().await;
}

/// Readers inclusive and exclusive by message id (plain and batched), at earliest and at
/// latest, and consumer seeks by id and by time on every subscription type, as the
/// official client gets them from Apache Pulsar; acks in flight during a seek (the client
/// flushes its grouped acks when the seek completes) never undo it, round after round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_readers_start_where_apache_pulsar_starts_them_and_seeks_survive_acks_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "readers_and_seek.py",
        &[&url, "persistent://public/default/lectores"],
    )
    .await;
    for check in [
        "ok readers by message id, batched=False",
        "ok readers by message id, batched=True",
        "ok readers at earliest",
        "ok readers at latest",
        "ok seek by id and by time on Exclusive",
        "ok seek by id and by time on Shared",
        "ok seek by id and by time on Failover",
        "ok seek by id and by time on KeyShared",
        "ok seek racing acks on Exclusive, 5 rounds",
        "ok seek racing acks on Shared, 5 rounds",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in\n{stdout}");
    }
    broker.shutdown().await;
}

/// A partitioned topic made through the admin API: the official client's producer routes
/// by key over its partitions, and one consumer on the partitioned name gets every
/// message once, each key from one partition in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_producer_and_consumer_use_every_partition_of_a_partitioned_topic() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (status, reason) = admin_request(
        admin,
        "PUT",
        "/admin/v2/persistent/public/default/particionado/partitions",
        Some("3"),
    )
    .await;
    assert_eq!(status, 204, "{reason}");
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "partitioned.py",
        &[&url, "persistent://public/default/particionado", "300"],
    )
    .await;
    assert!(stdout.contains("received 300 from"), "{stdout}");
    let (_, stats) = admin_get(
        admin,
        "/admin/v2/persistent/public/default/particionado/partitioned-stats",
    )
    .await;
    assert_eq!(stats["msgInCounter"], 300);
    assert_eq!(stats["subscriptions"]["sub-particiones"]["msgBacklog"], 0);
    assert_eq!(stats["partitions"].as_object().unwrap().len(), 3);
    broker.shutdown().await;
}

/// Pattern consumers of each regex subscription mode get exactly the topics of their
/// domains: the client matches its pattern without the domain, the broker's
/// GET_TOPICS_OF_NAMESPACE honours the mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_pattern_consumers_receive_only_from_the_domains_of_their_regex_mode() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python("regex_modes.py", &[&url, "rx"]).await;
    for check in [
        "ok PersistentOnly",
        "ok NonPersistentOnly",
        "ok AllTopics",
        "regex modes ok",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in\n{stdout}");
    }
    broker.shutdown().await;
}

/// Failover as Apache Pulsar hands it over, seen from the official client: the active
/// consumer is the one Apache's hash ring gives the topic, a newcomer takes over only
/// when the ring favours it, and the unacknowledged messages of a departed active
/// consumer go to the next one exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_failover_consumers_hand_over_as_apache_pulsar_does() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let admin = format!("http://{}", broker.admin_address().expect("admin listener"));
    let stdout = run_python(
        "failover.py",
        &[&url, &admin, "persistent://public/default/failover"],
    )
    .await;
    for check in [
        "ok a lower name joining does not take the topic the ring gives b",
        "ok the active one leaves and the next gets exactly what it left unacked",
        "ok a newcomer the ring favours takes over",
        "failover ok",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in\n{stdout}");
    }
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_subscriptions_readers_and_seeks_read_acknowledged_messages_again() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "retention.py",
        &[&url, "persistent://public/default/python-retention", "50"],
    )
    .await;
    for check in [
        "acknowledged",
        "earliest-subscription",
        "reader",
        "seek-back",
        "own-backlog",
    ] {
        assert!(
            stdout.contains(&format!("ok {check}\n")),
            "{check}: {stdout}"
        );
    }
    broker.shutdown().await;
}

/// No silent loss: small, batched, just-under-the-limit and chunked messages, each
/// acknowledged to the producer, all arrive exactly once and whole after a kill -9 of the
/// broker; an oversize message without chunking is refused, not dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_size_class_arrives_exactly_once_after_the_broker_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let topic = "persistent://public/default/size-classes";
    let broker = Process::start(dir.path());
    let url = format!("pulsar://{}", broker.1);
    let sent = run_python("size_classes.py", &[&url, topic, "send"]).await;
    assert!(sent.contains("sent 124"), "{sent}");
    drop(broker);

    let broker = Process::start(dir.path());
    let url = format!("pulsar://{}", broker.1);
    let received = run_python("size_classes.py", &[&url, topic, "receive"]).await;
    assert!(received.contains("received 124"), "{received}");
}

/// A lookup naming a listener the broker does not have is refused, as Apache Pulsar
/// refuses it; one naming a configured listener is sent to that listener's URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_are_sent_to_the_advertised_listener_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let broker = start_broker_with(dir.path(), |config| {
        config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        config.advertised_listeners =
            vec![("internal".into(), format!("pulsar://127.0.0.1:{port}"))];
    })
    .await;
    let url = format!("pulsar://{}", broker.address());
    let stdout = run_python(
        "listeners.py",
        &[&url, "persistent://public/default/listeners", "internal"],
    )
    .await;
    assert!(
        stdout.contains("ok unknown\n") && stdout.contains("ok known\n"),
        "{stdout}"
    );
    broker.shutdown().await;
}

/// A client given the admin listener's `http://` URL as its service URL looks topics up,
/// reads partitioned metadata and lists topics over HTTP (`/lookup/v2/topic/…`,
/// `…/partitions`, `namespaces/…/topics?mode=`), as with Apache Pulsar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_client_on_the_http_service_url_looks_topics_up_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let path = "/admin/v2/persistent/public/default/por-http-partitioned/partitions";
    assert_eq!(admin_request(admin, "PUT", path, Some("3")).await.0, 204);
    let (status, lookup) = admin_get(
        admin,
        "/lookup/v2/topic/persistent/public/default/por-http-plain",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        lookup["brokerUrl"],
        format!("pulsar://{}", broker.address())
    );
    let stdout = run_python("http_lookup.py", &[&format!("http://{admin}"), "por-http"]).await;
    for check in ["ok plain\n", "ok partitioned\n", "ok pattern\n"] {
        assert!(stdout.contains(check), "{check}: {stdout}");
    }
    broker.shutdown().await;
}

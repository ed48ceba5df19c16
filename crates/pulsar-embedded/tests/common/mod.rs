//! Helpers shared by the integration tests: a broker per test, clients, a raw protocol
//! client, and a TCP relay that can be cut to simulate a crashed client.
#![allow(dead_code)] // each test binary uses a different subset

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use futures::{SinkExt, StreamExt};
use pulsar::{
    message::{proto, Codec, Message},
    Consumer, ConsumerOptions, OperationRetryOptions, Pulsar, SubType, TokioExecutor,
};
use pulsar_embedded::{BrokerHandle, Config};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

pub const WAIT: Duration = Duration::from_secs(10);

/// Starts a broker on a free port with an admin listener.
pub async fn start_broker(dir: &Path) -> BrokerHandle {
    start_broker_with(dir, |_| {}).await
}

/// [`start_broker`] with `change` made to its configuration first.
pub async fn start_broker_with(dir: &Path, change: impl FnOnce(&mut Config)) -> BrokerHandle {
    let mut config = Config::local(dir);
    config.admin_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    change(&mut config);
    pulsar_embedded::start(config).await.expect("broker starts")
}

/// A client of the `pulsar` crate that gives up quickly on refusals.
pub async fn client(address: SocketAddr) -> Pulsar<TokioExecutor> {
    Pulsar::builder(format!("pulsar://{address}"), TokioExecutor)
        .with_operation_retry_options(OperationRetryOptions {
            operation_timeout: Duration::from_secs(10),
            retry_delay: Duration::from_millis(100),
            max_retries: Some(3),
        })
        .build()
        .await
        .expect("client connects")
}

pub fn topic(name: &str) -> String {
    format!("persistent://public/default/{name}")
}

pub async fn consumer(
    pulsar: &Pulsar<TokioExecutor>,
    topic: &str,
    subscription: &str,
    sub_type: SubType,
) -> Consumer<String, TokioExecutor> {
    pulsar
        .consumer()
        .with_topic(topic)
        .with_subscription(subscription)
        .with_subscription_type(sub_type)
        .with_options(
            ConsumerOptions::default()
                .with_initial_position(pulsar::consumer::InitialPosition::Earliest),
        )
        .build()
        .await
        .expect("consumer subscribes")
}

/// The next message, or None after `WAIT`.
pub async fn next(
    consumer: &mut Consumer<String, TokioExecutor>,
    wait: Duration,
) -> Option<pulsar::consumer::Message<String>> {
    match tokio::time::timeout(wait, consumer.next()).await {
        Ok(Some(Ok(message))) => Some(message),
        Ok(Some(Err(e))) => panic!("consumer error: {e}"),
        Ok(None) | Err(_) => None,
    }
}

pub fn text(message: &pulsar::consumer::Message<String>) -> String {
    String::from_utf8(message.payload.data.clone()).expect("utf-8 payload")
}

/// Sends `messages` and waits for every receipt.
pub async fn produce(
    pulsar: &Pulsar<TokioExecutor>,
    topic: &str,
    messages: &[String],
    batch: Option<u32>,
) {
    let mut producer = pulsar
        .producer()
        .with_topic(topic)
        .with_options(pulsar::ProducerOptions {
            batch_size: batch,
            block_queue_if_full: true,
            ..Default::default()
        })
        .build()
        .await
        .expect("producer created");
    let mut receipts = Vec::new();
    for message in messages {
        receipts.push(
            producer
                .send_non_blocking(message.clone())
                .await
                .expect("send queued"),
        );
    }
    if batch.is_some() {
        producer.send_batch().await.expect("batch flushed");
    }
    for receipt in receipts {
        receipt.await.expect("send receipt");
    }
    producer.close().await.expect("producer closed");
}

pub fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}-{i:04}")).collect()
}

/// A bare protocol client, for frames the real clients never send.
pub struct RawClient {
    pub framed: Framed<TcpStream, Codec>,
}

impl RawClient {
    pub async fn connect(address: SocketAddr) -> RawClient {
        let stream = TcpStream::connect(address).await.expect("tcp connect");
        let mut raw = RawClient {
            framed: Framed::new(stream, Codec),
        };
        raw.send(command(proto::base_command::Type::Connect, |c| {
            c.connect = Some(proto::CommandConnect {
                client_version: "raw-test".into(),
                protocol_version: Some(12),
                ..Default::default()
            })
        }))
        .await;
        let connected = raw.recv().await.expect("CONNECTED");
        assert!(connected.command.connected.is_some());
        raw
    }

    pub async fn send(&mut self, command: proto::BaseCommand) {
        self.send_message(Message {
            command,
            payload: None,
        })
        .await;
    }

    pub async fn send_message(&mut self, message: Message) {
        self.framed.send(message).await.expect("frame sent");
    }

    /// The next frame that is not a PING, or None if the broker closed the connection.
    pub async fn recv(&mut self) -> Option<Message> {
        loop {
            match tokio::time::timeout(WAIT, self.framed.next()).await {
                Ok(Some(Ok(message))) if message.command.ping.is_some() => continue,
                Ok(Some(Ok(message))) => return Some(message),
                Ok(_) => return None,
                Err(_) => panic!("no frame within {WAIT:?}"),
            }
        }
    }

    /// Creates a producer and returns its name.
    pub async fn create_producer(
        &mut self,
        topic: &str,
        producer_id: u64,
        name: Option<&str>,
    ) -> String {
        self.send(command(proto::base_command::Type::Producer, |c| {
            c.producer = Some(proto::CommandProducer {
                topic: topic.into(),
                producer_id,
                request_id: producer_id + 1000,
                producer_name: name.map(str::to_string),
                ..Default::default()
            })
        }))
        .await;
        let reply = self.recv().await.expect("PRODUCER_SUCCESS");
        reply
            .command
            .producer_success
            .expect("producer created")
            .producer_name
    }

    pub fn send_frame(producer_id: u64, name: &str, sequence_id: u64, data: &[u8]) -> Message {
        Message {
            command: command(proto::base_command::Type::Send, |c| {
                c.send = Some(proto::CommandSend {
                    producer_id,
                    sequence_id,
                    ..Default::default()
                })
            }),
            payload: Some(pulsar::message::Payload {
                metadata: proto::MessageMetadata {
                    producer_name: name.into(),
                    sequence_id,
                    publish_time: 1,
                    ..Default::default()
                },
                data: data.to_vec(),
            }),
        }
    }
}

pub fn command(
    r#type: proto::base_command::Type,
    fill: impl FnOnce(&mut proto::BaseCommand),
) -> proto::BaseCommand {
    let mut command = proto::BaseCommand {
        r#type: r#type as i32,
        ..Default::default()
    };
    fill(&mut command);
    command
}

/// A TCP relay to the broker; `cut` drops every relayed connection at once, like a
/// client process killed without closing anything.
pub struct Relay {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay binds");
        let address = listener.local_addr().expect("relay address");
        let task = tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                links.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { address, task }
    }

    pub fn cut(self) {
        // Aborting the accept task drops the JoinSet, which aborts every link.
        self.task.abort();
    }
}

/// GET on the admin listener; returns the status and the JSON body.
pub async fn admin_get(admin: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(admin).await.expect("admin connect");
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n").as_bytes())
        .await
        .expect("request sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response read");
    let status = response[9..12].parse().expect("status code");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// The broker binary, killed with SIGKILL when dropped.
pub struct Process(pub Child, pub SocketAddr);

impl Process {
    pub fn start(dir: &Path) -> Process {
        Process::start_with(dir, &[]).0
    }

    /// The binary with `args` added; with `--admin-port`, also the admin address.
    pub fn start_with(dir: &Path, args: &[&str]) -> (Process, Option<SocketAddr>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pulsar-embedded"))
            .args(["--port", "0", "--data-dir"])
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("broker binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut read = |prefix: &str| -> SocketAddr {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("a line on stdout");
            line.trim()
                .strip_prefix(prefix)
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| panic!("expected {prefix:?}, got {line:?}"))
        };
        let address = read("listening on ");
        let admin = args.contains(&"--admin-port").then(|| read("admin on "));
        (Process(child, address), admin)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Any request on the admin listener; returns the status and the body text.
pub async fn admin_request(
    admin: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(admin).await.expect("admin connect");
    let body = body.unwrap_or_default();
    let content_type = if body.is_empty() {
        ""
    } else {
        "content-type: application/json\r\n"
    };
    stream
        .write_all(
            format!(
                "{method} {path} HTTP/1.1\r\nhost: test\r\n{content_type}content-length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("request sent");
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("response within WAIT")
        .expect("response read");
    let status = response[9..12].parse().expect("status code");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_string())
}

//! Readers' start positions and seeks, as Apache Pulsar serves them to the `pulsar` crate,
//! and a seek's atomicity with respect to acks still in flight.
//!
//! Apache Pulsar's broker starts a reader at the entry of its start message id and puts a
//! seek by id at that entry; the C++ and Java clients then drop the message itself unless
//! inclusive (see `python/readers_and_seek.py`), the `pulsar` crate does not filter, so it
//! gets that message first. A seek by time starts at the first message published at or
//! after it.

mod common;

use std::time::Duration;

use common::*;
use futures::{Stream, StreamExt};
use pulsar::{
    consumer::InitialPosition,
    message::proto::{self, MessageIdData},
    ConsumerOptions, Pulsar, SubType, TokioExecutor,
};

/// How long "nothing more comes" is watched for.
const QUIET: Duration = Duration::from_millis(500);

/// Publishes `m-0 .. m-(count-1)` one entry each; returns their message ids.
async fn publish(pulsar: &Pulsar<TokioExecutor>, topic: &str, count: usize) -> Vec<MessageIdData> {
    let mut producer = pulsar
        .producer()
        .with_topic(topic)
        .build()
        .await
        .expect("producer created");
    let mut ids = Vec::new();
    for i in 0..count {
        let receipt = producer
            .send_non_blocking(format!("m-{i}"))
            .await
            .expect("send queued")
            .await
            .expect("send receipt");
        ids.push(receipt.message_id.expect("receipt carries the message id"));
    }
    producer.close().await.expect("producer closed");
    ids
}

fn names(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("m-{i}")).collect()
}

/// The next message of a reader or consumer, or None after `wait`.
async fn next_of<S>(stream: &mut S, wait: Duration) -> Option<pulsar::consumer::Message<String>>
where
    S: Stream<Item = Result<pulsar::consumer::Message<String>, pulsar::Error>> + Unpin,
{
    match tokio::time::timeout(wait, stream.next()).await {
        Ok(Some(Ok(message))) => Some(message),
        Ok(Some(Err(e))) => panic!("receive error: {e}"),
        Ok(None) | Err(_) => None,
    }
}

/// Takes `count` messages, then checks that nothing more comes.
async fn expect_exactly<S>(stream: &mut S, expected: &[String], what: &str)
where
    S: Stream<Item = Result<pulsar::consumer::Message<String>, pulsar::Error>> + Unpin,
{
    let mut got = Vec::new();
    while got.len() < expected.len() {
        match next_of(stream, WAIT).await {
            Some(message) => got.push(text(&message)),
            None => panic!("{what}: got only {got:?}, expected {expected:?}"),
        }
    }
    assert_eq!(got, expected, "{what}");
    if let Some(extra) = next_of(stream, QUIET).await {
        panic!("{what}: unexpected {}", text(&extra));
    }
}

async fn reader(
    pulsar: &Pulsar<TokioExecutor>,
    topic: &str,
    name: &str,
    options: ConsumerOptions,
) -> pulsar::reader::Reader<String, TokioExecutor> {
    pulsar
        .reader()
        .with_topic(topic)
        .with_subscription(name)
        .with_options(options)
        .into_reader()
        .await
        .expect("reader created")
}

fn earliest_id() -> MessageIdData {
    MessageIdData {
        ledger_id: u64::MAX,
        entry_id: u64::MAX,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_starting_on_a_message_id_receives_that_message_first() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("reader-by-id");
    let ids = publish(&pulsar, &topic, 5).await;
    let options = ConsumerOptions::default().starting_on_message(ids[2].clone());
    let mut at_two = reader(&pulsar, &topic, "at-two", options.clone()).await;
    expect_exactly(&mut at_two, &names(2..5), "reader at m-2").await;
    // A second reader at the same id, after the first acknowledged everything it read.
    let mut again = reader(&pulsar, &topic, "at-two-again", options).await;
    expect_exactly(&mut again, &names(2..5), "second reader at m-2").await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_at_earliest_reads_everything_and_one_at_latest_only_what_comes_next() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("reader-earliest-latest");
    publish(&pulsar, &topic, 3).await;
    let by_position = ConsumerOptions::default().with_initial_position(InitialPosition::Earliest);
    let mut earliest = reader(&pulsar, &topic, "earliest", by_position).await;
    expect_exactly(&mut earliest, &names(0..3), "reader at earliest").await;
    let by_id = ConsumerOptions::default().starting_on_message(earliest_id());
    let mut earliest_id = reader(&pulsar, &topic, "earliest-id", by_id).await;
    expect_exactly(&mut earliest_id, &names(0..3), "reader at the earliest id").await;

    let mut latest = reader(&pulsar, &topic, "latest", ConsumerOptions::default()).await;
    expect_exactly(&mut latest, &[], "reader at latest before a new message").await;
    // The crate has no inclusive flag; the last message is read by starting on its id.
    let last = latest.get_last_message_id().await.expect("last message id");
    let on_last = ConsumerOptions::default().starting_on_message(last);
    let mut inclusive = reader(&pulsar, &topic, "on-last", on_last).await;
    expect_exactly(
        &mut inclusive,
        &["m-2".to_string()],
        "reader on the last id",
    )
    .await;

    produce(&pulsar, &topic, &["m-3".to_string()], None).await;
    expect_exactly(&mut latest, &["m-3".to_string()], "reader at latest").await;
    expect_exactly(
        &mut inclusive,
        &["m-3".to_string()],
        "reader on the last id",
    )
    .await;
    broker.shutdown().await;
}

async fn subscribe_earliest(
    pulsar: &Pulsar<TokioExecutor>,
    topic: &str,
    sub_type: SubType,
) -> pulsar::Consumer<String, TokioExecutor> {
    pulsar
        .consumer()
        .with_topic(topic)
        .with_subscription("seeker")
        .with_subscription_type(sub_type)
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("consumer subscribes")
}

/// `count` messages, in the order received.
async fn take<S>(stream: &mut S, count: usize) -> Vec<pulsar::consumer::Message<String>>
where
    S: Stream<Item = Result<pulsar::consumer::Message<String>, pulsar::Error>> + Unpin,
{
    let mut messages = Vec::new();
    while messages.len() < count {
        let message = next_of(stream, WAIT).await;
        messages.push(message.unwrap_or_else(|| panic!("only {} messages", messages.len())));
    }
    messages
}

/// Takes `expected.len()` messages and checks they are `expected` in any order, each
/// once, and that nothing more comes.
async fn expect_each_once<S>(stream: &mut S, expected: &[String], what: &str)
where
    S: Stream<Item = Result<pulsar::consumer::Message<String>, pulsar::Error>> + Unpin,
{
    let mut got: Vec<String> = take(stream, expected.len())
        .await
        .iter()
        .map(text)
        .collect();
    got.sort();
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(got, expected, "{what}");
    if let Some(extra) = next_of(stream, QUIET).await {
        panic!("{what}: unexpected {}", text(&extra));
    }
}

/// The crate's `Consumer::seek` subscribes a new consumer while the old one, closed by
/// the broker, re-subscribes on its own until it is dropped: on an Exclusive
/// subscription one of them gets ConsumerBusy (from Apache Pulsar as well), and on the
/// others the old one may take messages for a moment, which come back to the new one
/// when it is dropped. So these run on the shared types and compare without order;
/// Exclusive seeks are covered by the reader's seek below and by the Python client.
const SEEKABLE_BY_THE_CRATE: [SubType; 3] =
    [SubType::Shared, SubType::KeyShared, SubType::Failover];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_seek_by_message_id_or_by_time_rewinds_the_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    for sub_type in SEEKABLE_BY_THE_CRATE {
        let topic = topic(&format!("seek-{sub_type:?}"));
        let ids = publish(&pulsar, &topic, 10).await;
        let mut consumer = subscribe_earliest(&pulsar, &topic, sub_type).await;
        let received = take(&mut consumer, 10).await;
        // m-0 stays unacknowledged: what every subscription acknowledged may be dropped.
        for message in received.iter().filter(|m| text(m) != "m-0") {
            consumer.ack(message).await.expect("ack");
        }
        consumer
            .seek(None, Some(ids[0].clone()), None, pulsar.clone())
            .await
            .expect("seek by id");
        let what = format!("{sub_type:?} by id");
        expect_each_once(&mut consumer, &names(0..10), &what).await;

        let times: Vec<u64> = received.iter().map(|m| m.metadata().publish_time).collect();
        let expected: Vec<String> = (0..10)
            .filter(|i| times[*i] >= times[5])
            .map(|i| format!("m-{i}"))
            .collect();
        consumer
            .seek(None, None, Some(times[5]), pulsar.clone())
            .await
            .expect("seek by time");
        let what = format!("{sub_type:?} by time");
        expect_each_once(&mut consumer, &expected, &what).await;
        consumer.close().await.expect("consumer closed");
    }
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_seek_by_message_id_or_by_time_rewinds_it() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("reader-seek");
    let ids = publish(&pulsar, &topic, 10).await;
    let options = ConsumerOptions::default().with_initial_position(InitialPosition::Earliest);
    let mut reader = reader(&pulsar, &topic, "seeking-reader", options).await;
    let received = take(&mut reader, 10).await;
    reader
        .seek(Some(ids[3].clone()), None)
        .await
        .expect("seek by id");
    expect_exactly(&mut reader, &names(3..10), "reader seek by id").await;
    let times: Vec<u64> = received.iter().map(|m| m.metadata().publish_time).collect();
    let expected: Vec<String> = (0..10)
        .filter(|i| times[*i] >= times[6])
        .map(|i| format!("m-{i}"))
        .collect();
    reader
        .seek(None, Some(times[6]))
        .await
        .expect("seek by time");
    expect_exactly(&mut reader, &expected, "reader seek by time").await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seek_right_after_acks_brings_the_rewound_messages_back_once_every_round() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    for sub_type in [SubType::Shared, SubType::KeyShared] {
        let topic = topic(&format!("seek-race-{sub_type:?}"));
        let ids = publish(&pulsar, &topic, 20).await;
        let mut consumer = subscribe_earliest(&pulsar, &topic, sub_type).await;
        let mut received = take(&mut consumer, 20).await;
        for round in 0..5 {
            // m-0 stays unacknowledged (see above). The crate hands acks to its engine
            // task and the seek goes out directly; the acks mostly arrive first, so the
            // test below makes them arrive after the seek for sure.
            for message in received.iter().filter(|m| text(m) != "m-0") {
                consumer.ack(message).await.expect("ack");
            }
            consumer
                .seek(None, Some(ids[0].clone()), None, pulsar.clone())
                .await
                .expect("seek");
            let what = format!("{sub_type:?} round {round}");
            received = take(&mut consumer, 20).await;
            let mut got: Vec<String> = received.iter().map(text).collect();
            got.sort();
            let mut expected = names(0..20);
            expected.sort();
            assert_eq!(got, expected, "{what}");
            assert!(
                next(&mut consumer, QUIET).await.is_none(),
                "{what}: a message came twice"
            );
        }
    }
    broker.shutdown().await;
}

fn subscribe_command(topic: &str, request_id: u64) -> proto::BaseCommand {
    command(proto::base_command::Type::Subscribe, |c| {
        c.subscribe = Some(proto::CommandSubscribe {
            topic: topic.into(),
            subscription: "raw".into(),
            sub_type: proto::command_subscribe::SubType::Exclusive as i32,
            consumer_id: 1,
            request_id,
            initial_position: Some(proto::command_subscribe::InitialPosition::Earliest as i32),
            ..Default::default()
        })
    })
}

fn flow_command() -> proto::BaseCommand {
    command(proto::base_command::Type::Flow, |c| {
        c.flow = Some(proto::CommandFlow {
            consumer_id: 1,
            message_permits: 100,
        })
    })
}

/// Entry ids of the MESSAGE frames among the next `count` frames.
async fn delivered(raw: &mut RawClient, count: usize) -> Vec<u64> {
    let mut entries = Vec::new();
    while entries.len() < count {
        let frame = raw.recv().await.expect("a frame");
        let message = frame.command.message.expect("a MESSAGE frame");
        entries.push(message.message_id.entry_id);
    }
    entries
}

/// Deterministic version of the race: the acks are written after the SEEK on the same
/// connection, so they surely arrive after the reset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_arriving_after_a_seek_are_refused_and_the_rewound_messages_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("seek-late-acks");
    let ids = publish(&pulsar, &topic, 3).await;
    let mut raw = RawClient::connect(broker.address()).await;
    raw.send(subscribe_command(&topic, 1)).await;
    assert!(raw.recv().await.expect("SUCCESS").command.success.is_some());
    raw.send(flow_command()).await;
    assert_eq!(delivered(&mut raw, 3).await, vec![0, 1, 2]);

    raw.send(command(proto::base_command::Type::Seek, |c| {
        c.seek = Some(proto::CommandSeek {
            consumer_id: 1,
            request_id: 2,
            message_id: Some(ids[0].clone()),
            ..Default::default()
        })
    }))
    .await;
    raw.send(command(proto::base_command::Type::Ack, |c| {
        c.ack = Some(proto::CommandAck {
            consumer_id: 1,
            ack_type: proto::command_ack::AckType::Individual as i32,
            message_id: ids.clone(),
            request_id: Some(3),
            ..Default::default()
        })
    }))
    .await;
    // As Apache Pulsar: the consumer is closed, then the seek answered.
    let close = raw.recv().await.expect("CLOSE_CONSUMER").command;
    assert_eq!(close.close_consumer.map(|c| c.consumer_id), Some(1));
    let success = raw.recv().await.expect("seek SUCCESS").command;
    assert_eq!(success.success.map(|s| s.request_id), Some(2));
    let refused = raw.recv().await.expect("ACK_RESPONSE").command;
    let refused = refused.ack_response.expect("an ACK_RESPONSE");
    assert_eq!(refused.request_id, Some(3));
    assert_eq!(
        refused.error,
        Some(proto::ServerError::ConsumerNotFound as i32)
    );

    raw.send(subscribe_command(&topic, 4)).await;
    assert!(raw.recv().await.expect("SUCCESS").command.success.is_some());
    raw.send(flow_command()).await;
    assert_eq!(delivered(&mut raw, 3).await, vec![0, 1, 2]);
    broker.shutdown().await;
}

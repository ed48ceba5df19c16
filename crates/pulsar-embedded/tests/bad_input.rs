//! Malformed frames, bad checksums, oversize messages and duplicate sends.

mod common;

use common::*;
use pulsar::{message::proto, SubType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_malformed_frame_closes_only_that_connection() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("garbage");
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;

    let mut raw = tokio::net::TcpStream::connect(broker.address())
        .await
        .unwrap();
    raw.write_all(&[
        0, 0, 0, 12, 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ])
    .await
    .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(WAIT, raw.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)), "connection closed");

    produce(&pulsar, &topic, &["still served".to_string()], None).await;
    assert_eq!(
        text(&next(&mut consumer, WAIT).await.unwrap()),
        "still served"
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn a_send_with_a_bad_checksum_fails_only_that_send() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let mut raw = RawClient::connect(broker.address()).await;
    let name = raw.create_producer(&topic("checksum"), 1, None).await;

    // Encode a good SEND, then flip a payload byte on the wire.
    let mut bytes = bytes::BytesMut::new();
    tokio_util::codec::Encoder::encode(
        &mut pulsar::message::Codec,
        RawClient::send_frame(1, &name, 0, b"corrupt me"),
        &mut bytes,
    )
    .unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    raw.framed.get_mut().write_all(&bytes).await.unwrap();
    let error = raw
        .recv()
        .await
        .unwrap()
        .command
        .send_error
        .expect("SEND_ERROR");
    assert_eq!(error.error, proto::ServerError::ChecksumError as i32);

    raw.send_message(RawClient::send_frame(1, &name, 1, b"fine"))
        .await;
    let receipt = raw
        .recv()
        .await
        .unwrap()
        .command
        .send_receipt
        .expect("receipt");
    assert_eq!(receipt.sequence_id, 1);
    broker.shutdown().await;
}

#[tokio::test]
async fn an_oversize_message_fails_only_that_send() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = pulsar_embedded::Config::local(dir.path());
    config.max_message_size = 1024;
    let broker = pulsar_embedded::start(config).await.unwrap();
    let mut raw = RawClient::connect(broker.address()).await;
    let name = raw.create_producer(&topic("oversize"), 1, None).await;
    raw.send_message(RawClient::send_frame(1, &name, 0, &vec![1u8; 64 * 1024]))
        .await;
    let error = raw
        .recv()
        .await
        .unwrap()
        .command
        .send_error
        .expect("SEND_ERROR");
    assert_eq!(error.sequence_id, 0);
    raw.send_message(RawClient::send_frame(1, &name, 1, b"small"))
        .await;
    assert!(raw.recv().await.unwrap().command.send_receipt.is_some());
    broker.shutdown().await;
}

/// Sends "first" and "first again" with sequence id 0, then "second" with 1, on a broker
/// with `deduplication` as given; answers what a subscription from the start reads.
async fn resend_sequence_id_zero(deduplication: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker_with(dir.path(), |c| c.deduplication = deduplication).await;
    let topic = topic("dedup");
    let mut raw = RawClient::connect(broker.address()).await;
    let name = raw.create_producer(&topic, 1, None).await;
    for (sequence_id, data) in [(0, &b"first"[..]), (0, b"first again"), (1, b"second")] {
        raw.send_message(RawClient::send_frame(1, &name, sequence_id, data))
            .await;
        let receipt = raw
            .recv()
            .await
            .unwrap()
            .command
            .send_receipt
            .expect("receipt");
        assert_eq!(receipt.sequence_id, sequence_id);
    }
    let pulsar = client(broker.address()).await;
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    let mut read = Vec::new();
    while let Some(message) = next(&mut consumer, std::time::Duration::from_millis(300)).await {
        read.push(text(&message));
    }
    broker.shutdown().await;
    read
}

#[tokio::test]
async fn without_deduplication_as_apache_pulsar_by_default_a_resent_sequence_id_is_stored_again() {
    assert_eq!(
        resend_sequence_id_zero(false).await,
        ["first", "first again", "second"]
    );
}

#[tokio::test]
async fn with_deduplication_on_a_resent_sequence_id_is_stored_once() {
    assert_eq!(resend_sequence_id_zero(true).await, ["first", "second"]);
}

//! Throughput and end-to-end latency of the embedded broker with the `pulsar` crate.
//!
//! 1 KiB messages, producer batching on, persistence (fsync group commit) on, every
//! message acked individually. Scenarios grow the number of topics (one producer and one
//! subscription each) and of subscriptions on one topic. Prints one Markdown table row
//! per scenario; the README keeps the medians of three runs.
//!
//! Run: `cargo bench -p pulsar-embedded --bench throughput` (BENCH_MESSAGES sets the
//! messages produced per scenario, default 200000; BENCH_FSYNC=0 turns fsync off).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::StreamExt;
use pulsar::{Consumer, ProducerOptions, Pulsar, SubType, TokioExecutor};
use tokio::sync::Mutex;

const PAYLOAD: usize = 1024;

struct Outcome {
    delivered: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

async fn scenario(topics: usize, subscriptions: usize, messages: usize) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = pulsar_embedded::Config::local(dir.path());
    config.fsync = std::env::var("BENCH_FSYNC").map_or(true, |v| v != "0");
    let broker = pulsar_embedded::start(config).await.expect("broker");
    let url = format!("pulsar://{}", broker.address());
    let pulsar: Pulsar<TokioExecutor> = Pulsar::builder(url, TokioExecutor)
        .build()
        .await
        .expect("client");
    let epoch = Instant::now();
    let per_topic = messages / topics;
    let expected = per_topic * topics * subscriptions;
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(expected)));

    let mut consumers = Vec::new();
    for t in 0..topics {
        for s in 0..subscriptions {
            let consumer: Consumer<Vec<u8>, TokioExecutor> = pulsar
                .consumer()
                .with_topic(format!("bench-{t}"))
                .with_subscription(format!("sub-{s}"))
                .with_subscription_type(SubType::Shared)
                .build()
                .await
                .expect("consumer");
            let latencies = latencies.clone();
            consumers.push(tokio::spawn(async move {
                let mut consumer = consumer;
                let mut local = Vec::with_capacity(per_topic);
                while local.len() < per_topic {
                    let Some(Ok(message)) = consumer.next().await else {
                        break;
                    };
                    let data = &message.payload.data;
                    let sent = u64::from_be_bytes(data[..8].try_into().expect("timestamp"));
                    let now = epoch.elapsed().as_nanos() as u64;
                    local.push(Duration::from_nanos(now.saturating_sub(sent)));
                    let _ = consumer.ack(&message).await;
                }
                latencies.lock().await.extend(local);
            }));
        }
    }

    let start = Instant::now();
    let mut producers = Vec::new();
    for t in 0..topics {
        let mut producer = pulsar
            .producer()
            .with_topic(format!("bench-{t}"))
            .with_options(ProducerOptions {
                batch_size: Some(1000),
                batch_byte_size: Some(1024 * 1024),
                batch_timeout: Some(Duration::from_millis(5)),
                block_queue_if_full: true,
                ..Default::default()
            })
            .build()
            .await
            .expect("producer");
        producers.push(tokio::spawn(async move {
            let mut receipts = Vec::with_capacity(per_topic);
            for _ in 0..per_topic {
                let mut payload = vec![0u8; PAYLOAD];
                payload[..8].copy_from_slice(&(epoch.elapsed().as_nanos() as u64).to_be_bytes());
                receipts.push(producer.send_non_blocking(payload).await.expect("send"));
            }
            for receipt in receipts {
                receipt.await.expect("receipt");
            }
        }));
    }
    for producer in producers {
        producer.await.expect("producer task");
    }
    for consumer in consumers {
        consumer.await.expect("consumer task");
    }
    let elapsed = start.elapsed();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let outcome = Outcome {
        delivered: latencies.len(),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
    };
    assert_eq!(outcome.delivered, expected, "every message delivered");
    broker.shutdown().await;
    outcome
}

fn main() {
    let messages: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    println!("| topics | subscriptions | produced | delivered | delivered msg/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (topics, subscriptions) in [(1, 1), (10, 1), (100, 1), (1, 10), (1, 100)] {
        let produced = messages / topics * topics;
        // 100 subscriptions deliver 100 times what is produced: keep the run short.
        let produced_here = if subscriptions > 1 {
            produced / subscriptions * 10
        } else {
            produced
        };
        let outcome = runtime.block_on(scenario(topics, subscriptions, produced_here));
        println!(
            "| {topics} | {subscriptions} | {} | {} | {:.0} | {:.1} ms | {:.1} ms |",
            produced_here / topics * topics,
            outcome.delivered,
            outcome.delivered as f64 / outcome.elapsed.as_secs_f64(),
            outcome.p50.as_secs_f64() * 1000.0,
            outcome.p99.as_secs_f64() * 1000.0,
        );
    }
}

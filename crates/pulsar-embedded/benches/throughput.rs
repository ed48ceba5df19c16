//! Throughput and end-to-end latency of the embedded broker with the `pulsar` crate.
//!
//! 1 KiB messages, producer batching on (1000 messages or 5 ms), persistence with fsync
//! group commit on, every message acknowledged. Scenarios grow the number of topics (one
//! producer and one subscription each) and of subscriptions on one topic. Each scenario
//! runs twice: at full speed (peak throughput; its latency is mostly queueing), then paced
//! at a fixed rate, half the peak unless `BENCH_RATE` says otherwise (the latency a
//! sustainable load sees). Every delivery is checked: each message exactly once per
//! subscription. Prints one Markdown table row per scenario.
//!
//! Run: `cargo bench -p pulsar-embedded --bench throughput`. Environment:
//! - `BENCH_MESSAGES`: messages produced at full speed per scenario (default 200000; the
//!   scenarios with 10 and 100 subscriptions produce a tenth and a hundredth of it × 10);
//! - `BENCH_ACK`: `cumulative` (default; Exclusive subscriptions, one cumulative ack per
//!   1000 messages) or `individual` (Shared subscriptions, one ack per message);
//! - `BENCH_SCENARIOS`: e.g. `1x1,10x1` (topics x subscriptions; default all five);
//! - `BENCH_RATE`: produced messages/s of the paced run (default half the peak);
//! - `BENCH_PACED_SECS`: length of the paced run (default 4);
//! - `BENCH_RECEIVE_QUEUE`: consumer receive queue, i.e. FLOW permits (default 4
//!   batches);
//! - `BENCH_BATCH`: producer batch size in messages (default 1000);
//! - `BENCH_FSYNC=0`: fsync off.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::StreamExt;
use pulsar::{Consumer, ProducerOptions, Pulsar, SubType, TokioExecutor};
use tokio::sync::Mutex;

const PAYLOAD: usize = 1024;
/// Messages per cumulative ack.
const ACK_EVERY: usize = 1000;

#[derive(Clone, Copy, PartialEq)]
enum Ack {
    Cumulative,
    Individual,
}

#[derive(Clone, Copy)]
struct Settings {
    fsync: bool,
    ack: Ack,
    receive_queue: u32,
    batch: u32,
}

struct Outcome {
    produced: usize,
    delivered: usize,
    elapsed: Duration,
    /// CPU time of the whole process (broker and clients) during the run, if known.
    cpu: Option<Duration>,
    p50: Duration,
    p99: Duration,
}

impl Outcome {
    fn delivered_rate(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64()
    }

    fn produced_rate(&self) -> f64 {
        self.produced as f64 / self.elapsed.as_secs_f64()
    }

    /// CPU microseconds per delivered message, broker and clients together: unlike
    /// messages/s, this hardly moves when other processes compete for the cores.
    fn cpu_per_message(&self) -> String {
        self.cpu.map_or("?".into(), |cpu| {
            format!("{:.1}", cpu.as_secs_f64() * 1e6 / self.delivered as f64)
        })
    }
}

/// User + system CPU time of this process so far (Linux: /proc/self/stat, in clock ticks
/// of 10 ms, which is precise enough over runs of seconds).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Produces `messages` (over all topics), at `rate` produced messages/s if given, and
/// waits until every subscription received every message.
async fn scenario(
    topics: usize,
    subscriptions: usize,
    messages: usize,
    rate: Option<f64>,
    settings: Settings,
) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = pulsar_embedded::Config::local(dir.path());
    config.fsync = settings.fsync;
    let broker = pulsar_embedded::start(config).await.expect("broker");
    let url = format!("pulsar://{}", broker.address());
    // Producers and consumers use separate clients, as separate applications would: the
    // `pulsar` crate multiplexes everything of one client over one connection.
    let producing: Pulsar<TokioExecutor> = Pulsar::builder(url.clone(), TokioExecutor)
        .build()
        .await
        .expect("client");
    let consuming: Pulsar<TokioExecutor> = Pulsar::builder(url, TokioExecutor)
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
            let sub_type = match settings.ack {
                Ack::Cumulative => SubType::Exclusive,
                Ack::Individual => SubType::Shared,
            };
            let consumer: Consumer<Vec<u8>, TokioExecutor> = consuming
                .consumer()
                .with_topic(format!("bench-{t}"))
                .with_subscription(format!("sub-{s}"))
                .with_subscription_type(sub_type)
                .with_batch_size(settings.receive_queue)
                .build()
                .await
                .expect("consumer");
            let latencies = latencies.clone();
            let ack = settings.ack;
            consumers.push(tokio::spawn(async move {
                let mut consumer = consumer;
                let mut local = Vec::with_capacity(per_topic);
                let mut seen = vec![false; per_topic];
                while local.len() < per_topic {
                    let Some(Ok(message)) = consumer.next().await else {
                        break;
                    };
                    let data = &message.payload.data;
                    let sent = u64::from_be_bytes(data[..8].try_into().expect("timestamp"));
                    let now = epoch.elapsed().as_nanos() as u64;
                    let seq = u64::from_be_bytes(data[8..16].try_into().expect("sequence"));
                    let seen = &mut seen[seq as usize];
                    assert!(!*seen, "message {seq} delivered twice");
                    *seen = true;
                    local.push(now.saturating_sub(sent));
                    match ack {
                        Ack::Individual => {
                            let _ = consumer.ack(&message).await;
                        }
                        Ack::Cumulative => {
                            if local.len() % ACK_EVERY == 0 || local.len() == per_topic {
                                let _ = consumer.cumulative_ack(&message).await;
                            }
                        }
                    }
                }
                latencies.lock().await.extend(local);
            }));
        }
    }

    let mut producers = Vec::new();
    for t in 0..topics {
        producers.push(
            producing
                .producer()
                .with_topic(format!("bench-{t}"))
                .with_options(ProducerOptions {
                    batch_size: Some(settings.batch),
                    // Room for the whole batch of 1 KiB messages, under the broker's
                    // 5 MiB message limit.
                    batch_byte_size: Some((settings.batch as usize * 1100).min(5_000_000)),
                    batch_timeout: Some(Duration::from_millis(5)),
                    block_queue_if_full: true,
                    ..Default::default()
                })
                .build()
                .await
                .expect("producer"),
        );
    }
    let start = Instant::now();
    let cpu_start = process_cpu();
    let per_topic_rate = rate.map(|rate| rate / topics as f64);
    let producers: Vec<_> = producers
        .into_iter()
        .map(|mut producer| {
            tokio::spawn(async move {
                let mut receipts = Vec::with_capacity(per_topic);
                let mut sent = 0;
                while sent < per_topic {
                    let due = match per_topic_rate {
                        Some(rate) => {
                            ((start.elapsed().as_secs_f64() * rate) as usize + 1).min(per_topic)
                        }
                        None => per_topic,
                    };
                    while sent < due {
                        let mut payload = vec![0u8; PAYLOAD];
                        payload[..8]
                            .copy_from_slice(&(epoch.elapsed().as_nanos() as u64).to_be_bytes());
                        payload[8..16].copy_from_slice(&(sent as u64).to_be_bytes());
                        receipts.push(producer.send_non_blocking(payload).await.expect("send"));
                        sent += 1;
                    }
                    if sent < per_topic {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
                // Receipts are awaited in bulk, not one send at a time.
                for receipt in receipts {
                    receipt.await.expect("receipt");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer task");
    }
    for consumer in consumers {
        consumer.await.expect("consumer task");
    }
    let elapsed = start.elapsed();
    let cpu = process_cpu()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));
    let mut latencies = latencies.lock().await.clone();
    latencies.sort_unstable();
    let at = |q: f64| {
        Duration::from_nanos(
            latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)],
        )
    };
    let outcome = Outcome {
        produced: per_topic * topics,
        delivered: latencies.len(),
        elapsed,
        cpu,
        p50: at(0.50),
        p99: at(0.99),
    };
    assert_eq!(outcome.delivered, expected, "every message delivered");
    broker.shutdown().await;
    outcome
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let messages: usize = env("BENCH_MESSAGES").unwrap_or(200_000);
    let paced_secs: f64 = env("BENCH_PACED_SECS").unwrap_or(4.0);
    let batch = env("BENCH_BATCH").unwrap_or(1000);
    let settings = Settings {
        fsync: std::env::var("BENCH_FSYNC").map_or(true, |v| v != "0"),
        ack: match std::env::var("BENCH_ACK").as_deref() {
            Ok("individual") => Ack::Individual,
            _ => Ack::Cumulative,
        },
        // Permits for a few batches, so that the next entries are on their way while the
        // client hands out the current one (with 1000, one batch entry would use them all).
        receive_queue: env("BENCH_RECEIVE_QUEUE").unwrap_or(4 * batch),
        batch,
    };
    let wanted = std::env::var("BENCH_SCENARIOS").unwrap_or_default();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    println!(
        "| topics | subscriptions | ack | produced | delivered | peak delivered msg/s | p50 | p99 \
         | CPU µs/msg | paced delivered msg/s | p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (topics, subscriptions) in [(1, 1), (10, 1), (100, 1), (1, 10), (1, 100)] {
        if !wanted.is_empty()
            && !wanted
                .split(',')
                .any(|s| s.trim() == format!("{topics}x{subscriptions}"))
        {
            continue;
        }
        // N subscriptions deliver N times what is produced: keep those runs short.
        let produced = if subscriptions > 1 {
            messages / subscriptions * 10
        } else {
            messages
        };
        let peak = runtime.block_on(scenario(topics, subscriptions, produced, None, settings));
        let rate = env("BENCH_RATE").unwrap_or(peak.produced_rate() / 2.0);
        let paced_messages = ((rate * paced_secs) as usize).max(topics);
        let paced = runtime.block_on(scenario(
            topics,
            subscriptions,
            paced_messages,
            Some(rate),
            settings,
        ));
        println!(
            "| {topics} | {subscriptions} | {} | {} | {} | {:.0} | {:.1} ms | {:.1} ms | {} \
             | {:.0} | {:.1} ms | {:.1} ms |",
            match settings.ack {
                Ack::Cumulative => "cumulative",
                Ack::Individual => "individual",
            },
            peak.produced,
            peak.delivered,
            peak.delivered_rate(),
            ms(peak.p50),
            ms(peak.p99),
            peak.cpu_per_message(),
            paced.delivered_rate(),
            ms(paced.p50),
            ms(paced.p99),
        );
    }
}

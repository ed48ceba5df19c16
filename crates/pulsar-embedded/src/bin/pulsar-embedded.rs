//! The `pulsar-embedded` binary: a standalone broker for local runs.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;
use pulsar_embedded::Config;

/// A broker that speaks Apache Pulsar's binary protocol.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Port of the Pulsar protocol listener (0 picks a free one).
    #[arg(long, default_value_t = 6650)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Where topics, cursors and schemas are stored.
    #[arg(long)]
    data_dir: PathBuf,
    /// Port of the admin HTTP listener; none if absent.
    #[arg(long)]
    admin_port: Option<u16>,
    /// Drop a producer's resent sequence ids (off by default, as in Apache Pulsar).
    #[arg(long)]
    deduplication: bool,
    /// Minutes acknowledged data is kept, for namespaces without a retention policy
    /// (-1: no time limit). Apache Pulsar's defaultRetentionTimeInMinutes.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    retention_minutes: i64,
    /// MiB of acknowledged data kept per topic, for namespaces without a retention policy
    /// (-1: no size limit). Apache Pulsar's defaultRetentionSizeInMB.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    retention_size_mb: i64,
    /// Message TTL, in seconds, of namespaces without one (0: none).
    #[arg(long, default_value_t = 0)]
    message_ttl_seconds: u32,
    /// A topic's log segment is closed once it holds this many MiB.
    #[arg(long, default_value_t = 64)]
    segment_size_mb: u64,
    /// Seconds between two checks of retention, message TTL and backlog quotas.
    #[arg(long, default_value_t = 60)]
    policy_check_seconds: u64,
    /// Milliseconds a Failover subscription waits before handing over to a new active
    /// consumer (Apache Pulsar's activeConsumerFailoverDelayTimeMillis).
    #[arg(long, default_value_t = 1000)]
    failover_delay_ms: u64,
    /// An advertised listener, `NAME=pulsar://HOST:PORT` (repeatable): clients that ask
    /// for NAME are sent to that URL.
    #[arg(long = "advertised-listener", value_parser = listener)]
    advertised_listeners: Vec<(String, String)>,
}

fn listener(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, url)) if !name.is_empty() && url.starts_with("pulsar://") => {
            Ok((name.to_string(), url.to_string()))
        }
        _ => Err(format!("{text:?} is not NAME=pulsar://HOST:PORT")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = Config::new(SocketAddr::new(args.host, args.port), args.data_dir);
    config.admin_bind = args.admin_port.map(|port| SocketAddr::new(args.host, port));
    config.deduplication = args.deduplication;
    config.retention = pulsar_embedded::retention::RetentionPolicy {
        time_minutes: args.retention_minutes.max(-1),
        size_mb: args.retention_size_mb.max(-1),
    };
    config.message_ttl_seconds = args.message_ttl_seconds;
    config.segment_limits.bytes = args.segment_size_mb.max(1).saturating_mul(1024 * 1024);
    config.policy_check_interval = std::time::Duration::from_secs(args.policy_check_seconds.max(1));
    config.failover_delay = std::time::Duration::from_millis(args.failover_delay_ms);
    config.advertised_listeners = args.advertised_listeners;
    let broker = match pulsar_embedded::start(config).await {
        Ok(broker) => broker,
        Err(error) => {
            tracing::error!(error = %error_chain(&error), "cannot start");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Scripts and tests read this line to learn the bound ports.
    println!("listening on {}", broker.address());
    if let Some(admin) = broker.admin_address() {
        println!("admin on {admin}");
    }
    let signal = stop_signal().await;
    tracing::info!(signal, "stopping");
    // Closing connections and flushing the log is quick; a bound all the same, so that the
    // process ends within its supervisor's grace period whatever its clients do.
    if tokio::time::timeout(SHUTDOWN_DEADLINE, broker.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(deadline = ?SHUTDOWN_DEADLINE, "shutdown did not finish in time: exiting");
    }
    tracing::info!("stopped");
    std::process::ExitCode::SUCCESS
}

/// How long a graceful shutdown may take.
const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The first of SIGINT (ctrl-c) and SIGTERM (docker, systemd, kubernetes), by name.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        },
        Err(error) => {
            tracing::error!(%error, "cannot wait for SIGTERM: only ctrl-c stops the broker");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

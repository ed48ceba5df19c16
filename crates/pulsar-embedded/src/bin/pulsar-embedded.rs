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
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::error!(%error, "cannot wait for ctrl-c");
    }
    broker.shutdown().await;
    std::process::ExitCode::SUCCESS
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

//! `carga`: a load generator for the AeroAlpes HTTP API.
//!
//! It posts one reservation body to a route from `--concurrencia` workers, each on its own
//! keep-alive connection, until `--total` requests are done, printing progress each second
//! and, at the end, throughput and latency percentiles. A warm-up phase runs first and is
//! not measured.
#![forbid(unsafe_code)]

mod estadisticas;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use crate::estadisticas::Muestras;

#[derive(Debug, Parser)]
#[command(about = "Drives an AeroAlpes route at a given concurrency and reports throughput and latency")]
struct Argumentos {
    /// Base URL of aeroalpes.
    #[arg(long, default_value = "http://127.0.0.1:5000")]
    url: String,
    /// The route to POST to.
    #[arg(long, default_value = "/vuelos/reserva")]
    ruta: String,
    /// The JSON body of every request.
    #[arg(long, default_value = "tests/fixtures/reserva_bog_mad.json")]
    cuerpo: PathBuf,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrencia: u64,
    /// Measured requests.
    #[arg(long, default_value_t = 20_000)]
    total: u64,
    /// Unmeasured requests sent first.
    #[arg(long, default_value_t = 2_000)]
    calentamiento: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let argumentos = Argumentos::parse();
    let cuerpo = std::fs::read(&argumentos.cuerpo).with_context(|| format!("reading {}", argumentos.cuerpo.display()))?;
    let url = format!("{}{}", argumentos.url.trim_end_matches('/'), argumentos.ruta);

    if argumentos.calentamiento > 0 {
        println!("warming up: {} requests", argumentos.calentamiento);
        correr(&url, &cuerpo, argumentos.concurrencia, argumentos.calentamiento, false).await?;
    }
    println!("measuring: {} requests to {url} at concurrency {}", argumentos.total, argumentos.concurrencia);
    let inicio = Instant::now();
    let muestras = correr(&url, &cuerpo, argumentos.concurrencia, argumentos.total, true).await?;
    let duracion = inicio.elapsed();
    muestras.informar(duracion);
    if muestras.errores > 0 {
        anyhow::bail!("{} requests failed", muestras.errores);
    }
    Ok(())
}

/// Sends `total` requests from `concurrencia` workers; answers every latency.
async fn correr(url: &str, cuerpo: &[u8], concurrencia: u64, total: u64, progreso: bool) -> anyhow::Result<Muestras> {
    let enviadas = Arc::new(AtomicU64::new(0));
    let hechas = Arc::new(AtomicU64::new(0));
    let trabajadores: Vec<_> = (0..concurrencia)
        .map(|_| {
            let (url, cuerpo) = (url.to_owned(), cuerpo.to_vec());
            let (enviadas, hechas) = (enviadas.clone(), hechas.clone());
            tokio::spawn(async move {
                // One client per worker: one keep-alive connection each, like N users.
                let cliente = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
                let mut muestras = Muestras::default();
                while enviadas.fetch_add(1, Ordering::Relaxed) < total {
                    let inicio = Instant::now();
                    let ok = match cliente.post(&url).header("content-type", "application/json").body(cuerpo.clone()).send().await {
                        Ok(respuesta) => {
                            let ok = respuesta.status().is_success();
                            respuesta.bytes().await.is_ok() && ok
                        }
                        Err(_) => false,
                    };
                    muestras.registrar(inicio.elapsed(), ok);
                    hechas.fetch_add(1, Ordering::Relaxed);
                }
                anyhow::Ok(muestras)
            })
        })
        .collect();

    let informe = progreso.then(|| {
        let hechas = hechas.clone();
        tokio::spawn(async move {
            let mut anterior = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let ahora = hechas.load(Ordering::Relaxed);
                println!("  {ahora:>8}/{total} done, {:>6} req/s", ahora - anterior);
                anterior = ahora;
            }
        })
    });

    let mut todas = Muestras::default();
    for trabajador in trabajadores {
        todas.unir(trabajador.await??);
    }
    if let Some(informe) = informe {
        informe.abort();
    }
    Ok(todas)
}

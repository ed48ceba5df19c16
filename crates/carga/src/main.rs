//! `carga`: a load generator for the AeroAlpes HTTP API.
//!
//! It posts one reservation body to a route from `--concurrencia` workers, each on its own
//! keep-alive connection, until `--total` requests are done, printing progress each second
//! and, at the end, throughput and latency percentiles. A warm-up phase runs first and is
//! not measured. With `--tasa` the requests are paced to that many per second (open loop),
//! so latency is measured below saturation.
//!
//! Three modes: `http` measures each request's response time; `evento` (for the
//! asynchronous route) measures, per reservation, from the POST until its
//! `EventoReservaCreada` reaches a consumer on the broker; `lectura` (for the asynchronous
//! route, through a gateway to query replicas) from the POST until the query its 202
//! points at (`Location`) answers 200: the lag of the read model as a client sees it.
#![forbid(unsafe_code)]

mod estadisticas;
mod eventos;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};

use crate::estadisticas::Muestras;
use crate::eventos::Llegadas;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Modo {
    /// Latency of the HTTP response.
    Http,
    /// Latency from the POST to the reservation's event on the broker.
    Evento,
    /// Latency from the POST to its query (`Location`) answering 200.
    Lectura,
}

#[derive(Debug, Parser)]
#[command(
    about = "Drives an AeroAlpes route at a given concurrency and reports throughput and latency"
)]
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
    /// Requests per second to pace at (default: as fast as the concurrency allows).
    #[arg(long)]
    tasa: Option<u64>,
    #[arg(long, value_enum, default_value_t = Modo::Http)]
    modo: Modo,
    /// The broker whose `eventos-reserva` topic `--modo evento` listens to.
    #[arg(long, default_value = "pulsar://127.0.0.1:6650")]
    broker: String,
    /// A bearer token sent with every request (`Authorization: Bearer`): the reservations
    /// are then that client's.
    #[arg(long, env = "CARGA_TOKEN")]
    token: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let argumentos = Argumentos::parse();
    let cuerpo = std::fs::read(&argumentos.cuerpo)
        .with_context(|| format!("reading {}", argumentos.cuerpo.display()))?;
    let url = format!(
        "{}{}",
        argumentos.url.trim_end_matches('/'),
        argumentos.ruta
    );
    let llegadas = match argumentos.modo {
        Modo::Http | Modo::Lectura => None,
        Modo::Evento => Some(Llegadas::escuchar(&argumentos.broker).await?),
    };
    let leer =
        (argumentos.modo == Modo::Lectura).then(|| argumentos.url.trim_end_matches('/').to_owned());
    let carga = Carga {
        url,
        leer,
        cuerpo,
        concurrencia: argumentos.concurrencia,
        tasa: argumentos.tasa,
        llegadas,
        cabeceras: cabeceras(argumentos.token.as_deref())?,
    };

    if argumentos.calentamiento > 0 {
        println!("warming up: {} requests", argumentos.calentamiento);
        carga.correr(argumentos.calentamiento, false).await?;
    }
    let ritmo = argumentos
        .tasa
        .map(|t| format!(", paced at {t} req/s"))
        .unwrap_or_default();
    println!(
        "measuring: {} requests to {} at concurrency {}{ritmo} ({:?} latency)",
        argumentos.total, carga.url, argumentos.concurrencia, argumentos.modo
    );
    let inicio = Instant::now();
    let mut muestras = carga.correr(argumentos.total, true).await?;
    if let Some(llegadas) = &carga.llegadas {
        muestras = llegadas.esperar(&muestras, Duration::from_secs(60)).await;
    }
    let errores = muestras.errores;
    muestras.informar(inicio.elapsed());
    if errores > 0 {
        anyhow::bail!("{errores} requests failed");
    }
    Ok(())
}

struct Carga {
    url: String,
    /// `lectura` mode: the base URL the 202's `Location` is relative to.
    leer: Option<String>,
    cuerpo: Vec<u8>,
    concurrencia: u64,
    tasa: Option<u64>,
    llegadas: Option<Llegadas>,
    /// Sent with every request.
    cabeceras: reqwest::header::HeaderMap,
}

/// The headers of every request: the JSON body's type and, with a token, `Authorization`.
fn cabeceras(token: Option<&str>) -> anyhow::Result<reqwest::header::HeaderMap> {
    use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
    let mut cabeceras = reqwest::header::HeaderMap::new();
    cabeceras.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(token) = token {
        let mut valor = HeaderValue::from_str(&format!("Bearer {token}"))?;
        valor.set_sensitive(true);
        cabeceras.insert(AUTHORIZATION, valor);
    }
    Ok(cabeceras)
}

/// How long `lectura` mode waits for one reservation to be readable.
const PLAZO_LECTURA: Duration = Duration::from_secs(30);

/// `lectura` mode: after a 202, polls its `Location` (relative to `base`) until it answers
/// 200, and answers the reservation's id then; `None` for a refused request or a query
/// that never answered within [`PLAZO_LECTURA`] (counted as an error).
async fn leida(
    cliente: &reqwest::Client,
    base: &str,
    respuesta: reqwest::Result<reqwest::Response>,
) -> Option<String> {
    let respuesta = respuesta.ok().filter(|r| r.status().as_u16() == 202)?;
    let ubicacion = respuesta
        .headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()?
        .to_owned();
    let id = respuesta.json::<serde_json::Value>().await.ok()?["id"]
        .as_str()?
        .to_owned();
    let limite = Instant::now() + PLAZO_LECTURA;
    while Instant::now() < limite {
        if let Ok(consulta) = cliente.get(format!("{base}{ubicacion}")).send().await {
            if consulta.status().as_u16() == 200 {
                return Some(id);
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

impl Carga {
    /// Sends `total` requests from the workers; answers every latency (in `evento` mode,
    /// the POST's start time of each accepted reservation, to be matched with its event).
    async fn correr(&self, total: u64, progreso: bool) -> anyhow::Result<Muestras> {
        let enviadas = Arc::new(AtomicU64::new(0));
        let hechas = Arc::new(AtomicU64::new(0));
        let inicio = Instant::now();
        let trabajadores: Vec<_> = (0..self.concurrencia)
            .map(|_| {
                let (url, cuerpo, tasa) = (self.url.clone(), self.cuerpo.clone(), self.tasa);
                let leer = self.leer.clone();
                let cabeceras = self.cabeceras.clone();
                let (enviadas, hechas) = (enviadas.clone(), hechas.clone());
                tokio::spawn(async move {
                    // One client per worker: one keep-alive connection each, like N users.
                    let cliente = reqwest::Client::builder()
                        .pool_max_idle_per_host(1)
                        .default_headers(cabeceras)
                        .build()?;
                    let mut muestras = Muestras::default();
                    loop {
                        let indice = enviadas.fetch_add(1, Ordering::Relaxed);
                        if indice >= total {
                            break;
                        }
                        if let Some(tasa) = tasa {
                            // Open loop: request i leaves at i/tasa seconds, late or not.
                            tokio::time::sleep_until(
                                (inicio + Duration::from_secs_f64(indice as f64 / tasa as f64))
                                    .into(),
                            )
                            .await;
                        }
                        let salida = Instant::now();
                        let respuesta = cliente.post(&url).body(cuerpo.clone()).send().await;
                        if let Some(base) = &leer {
                            let leida = leida(&cliente, base, respuesta).await;
                            muestras.registrar(salida, salida.elapsed(), leida);
                            hechas.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        let id = match respuesta {
                            Ok(respuesta) if respuesta.status().is_success() => respuesta
                                .json::<serde_json::Value>()
                                .await
                                .ok()
                                .and_then(|v| v["id"].as_str().map(str::to_owned)),
                            _ => None,
                        };
                        muestras.registrar(salida, salida.elapsed(), id);
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
                    println!("  {ahora:>8}/{total} sent, {:>6} req/s", ahora - anterior);
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
}

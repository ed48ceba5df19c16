//! The task that runs the bookkeeping sweeps (see `seedwork_persistencia::barrido`) every
//! so often, until the process stops; `aeroalpes_filas_barridas_total{tabla}` counts what
//! each removed.

use std::future::Future;
use std::time::Duration;

use seedwork_dominio::ConCausas;
use seedwork_persistencia::{Barrido, UnidadTrabajoDiesel};

/// How often the sweeps run at most.
pub const CADA: Duration = Duration::from_secs(3600);

/// How often to sweep `barridos`: hourly, or four times per shortest retention when that is
/// shorter, so that a table holds at most a retention and a quarter of rows.
pub fn intervalo(barridos: &[Barrido]) -> Duration {
    barridos
        .iter()
        .filter_map(|barrido| (barrido.retencion / 4).to_std().ok())
        .fold(CADA, Duration::min)
        .max(Duration::from_secs(1))
}

/// Runs every sweep of `barridos` now and then every `cada`, until `apagado` resolves.
pub async fn ejecutar(
    uow: UnidadTrabajoDiesel,
    barridos: Vec<Barrido>,
    cada: Duration,
    apagado: impl Future<Output = ()>,
) {
    tokio::pin!(apagado);
    for barrido in &barridos {
        metrics::counter!("aeroalpes_filas_barridas_total", "tabla" => barrido.tabla).increment(0);
    }
    loop {
        for barrido in &barridos {
            let (uow, una) = (uow.clone(), *barrido);
            match tokio::task::spawn_blocking(move || una.ejecutar(&uow)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(borradas)) => {
                    metrics::counter!("aeroalpes_filas_barridas_total", "tabla" => barrido.tabla)
                        .increment(borradas as u64);
                    tracing::debug!(tabla = barrido.tabla, borradas, "filas antiguas barridas");
                }
                Ok(Err(error)) => {
                    tracing::warn!(tabla = barrido.tabla, error = %ConCausas(&error), "no se pudo barrer")
                }
                Err(error) => tracing::warn!(tabla = barrido.tabla, %error, "el barrido falló"),
            }
        }
        tokio::select! {
            _ = &mut apagado => return,
            _ = tokio::time::sleep(cada) => {}
        }
    }
}

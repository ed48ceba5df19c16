//! Latency samples and the figures reported from them.

use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Muestras {
    latencias: Vec<Duration>,
    /// The id each successful request answered, with when it left.
    ids: Vec<(String, Instant)>,
    pub errores: u64,
}

impl Muestras {
    /// Records one request: `id` is what it answered, `None` for a failure.
    pub fn registrar(&mut self, salida: Instant, latencia: Duration, id: Option<String>) {
        match id {
            Some(id) => {
                self.latencias.push(latencia);
                self.ids.push((id, salida));
            }
            None => self.errores += 1,
        }
    }

    pub fn unir(&mut self, otras: Muestras) {
        self.latencias.extend(otras.latencias);
        self.ids.extend(otras.ids);
        self.errores += otras.errores;
    }

    pub fn ids(&self) -> impl Iterator<Item = (&str, Instant)> {
        self.ids.iter().map(|(id, salida)| (id.as_str(), *salida))
    }

    /// The latency below which `p` percent of the samples fall (nearest rank).
    pub fn percentil(&mut self, p: f64) -> Duration {
        if self.latencias.is_empty() {
            return Duration::ZERO;
        }
        self.latencias.sort_unstable();
        let rango = ((p / 100.0) * self.latencias.len() as f64).ceil() as usize;
        self.latencias[rango.clamp(1, self.latencias.len()) - 1]
    }

    pub fn informar(mut self, duracion: Duration) {
        let n = self.latencias.len();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "completed:  {n} ({} failed) in {:.2} s",
            self.errores,
            duracion.as_secs_f64()
        );
        println!("throughput: {:.0} /s", n as f64 / duracion.as_secs_f64());
        println!(
            "latency:    p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.percentil(50.0)),
            ms(self.percentil(90.0)),
            ms(self.percentil(99.0)),
            ms(self.percentil(100.0))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_nearest_rank_definition() {
        let mut muestras = Muestras::default();
        for ms in 1..=100 {
            muestras.registrar(
                Instant::now(),
                Duration::from_millis(ms),
                Some(ms.to_string()),
            );
        }
        assert_eq!(muestras.percentil(50.0), Duration::from_millis(50));
        assert_eq!(muestras.percentil(99.0), Duration::from_millis(99));
        assert_eq!(muestras.percentil(100.0), Duration::from_millis(100));
    }

    #[test]
    fn an_empty_run_reports_zero_latency() {
        assert_eq!(Muestras::default().percentil(99.0), Duration::ZERO);
    }

    #[test]
    fn a_failed_request_counts_as_an_error_not_a_latency() {
        let mut muestras = Muestras::default();
        muestras.registrar(Instant::now(), Duration::from_millis(3), None);
        assert_eq!(muestras.errores, 1);
        assert_eq!(muestras.ids().count(), 0);
    }
}

//! Bounds on what a flood of log-ins can cost: failed attempts are counted per e-mail and
//! per client address (past the limit, 429 until the window passes), and password hashing
//! (argon2, slow on purpose) runs a few at a time, so that it cannot take every database
//! connection and blocking thread from the other routes (past a short wait, 503).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::errores::ErrorApi;

/// Failed attempts allowed per key within [`VENTANA`].
pub const INTENTOS: u32 = 5;
/// How long failed attempts are remembered.
pub const VENTANA: Duration = Duration::from_secs(60);
/// Password hashes computed at once.
pub const HASHES_A_LA_VEZ: usize = 2;
/// How long a request waits for its turn to hash before the 503.
pub const ESPERA_HASH: Duration = Duration::from_secs(3);
/// Keys remembered at most; past it, expired ones are forgotten, then all.
const CLAVES_MAXIMAS: usize = 100_000;

/// The limits of the log-in and registration routes.
pub struct Limites {
    intentos: Mutex<HashMap<String, (u32, Instant)>>,
    hashes: Semaphore,
}

impl Default for Limites {
    fn default() -> Self {
        Self {
            intentos: Mutex::new(HashMap::new()),
            hashes: Semaphore::new(HASHES_A_LA_VEZ),
        }
    }
}

impl Limites {
    fn intentos(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.intentos.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// 429 if any key used up its failed attempts within the window.
    pub fn comprobar(&self, claves: &[String]) -> Result<(), ErrorApi> {
        let ahora = Instant::now();
        let intentos = self.intentos();
        let espera = claves
            .iter()
            .filter_map(|clave| intentos.get(clave))
            .filter(|(fallos, desde)| *fallos >= INTENTOS && ahora < *desde + VENTANA)
            .map(|(_, desde)| (*desde + VENTANA - ahora).as_secs().max(1))
            .max();
        match espera {
            Some(segundos) => Err(ErrorApi::DemasiadasSolicitudes {
                mensaje: "demasiados intentos fallidos: espere antes de reintentar".to_owned(),
                reintentar: segundos,
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt against every key.
    pub fn fallo(&self, claves: &[String]) {
        let ahora = Instant::now();
        let mut intentos = self.intentos();
        if intentos.len() >= CLAVES_MAXIMAS {
            intentos.retain(|_, (_, desde)| ahora < *desde + VENTANA);
            if intentos.len() >= CLAVES_MAXIMAS {
                intentos.clear();
            }
        }
        for clave in claves {
            let entrada = intentos.entry(clave.clone()).or_insert((0, ahora));
            if ahora >= entrada.1 + VENTANA {
                *entrada = (0, ahora);
            }
            entrada.0 += 1;
        }
    }

    /// A successful log-in forgets the e-mail's failures.
    pub fn exito(&self, clave: &str) {
        self.intentos().remove(clave);
    }

    /// A turn to hash a password; 503 if none frees within [`ESPERA_HASH`].
    pub async fn turno_hash(&self) -> Result<SemaphorePermit<'_>, ErrorApi> {
        match tokio::time::timeout(ESPERA_HASH, self.hashes.acquire()).await {
            Ok(Ok(permiso)) => Ok(permiso),
            _ => Err(ErrorApi::Saturado(
                "demasiadas autenticaciones a la vez: reintente en un momento".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_limit_refuse_every_key_they_were_counted_against() {
        let limites = Limites::default();
        let claves = ["email:ana@x.co".to_owned(), "ip:10.0.0.1".to_owned()];
        for _ in 0..INTENTOS {
            assert!(limites.comprobar(&claves).is_ok());
            limites.fallo(&claves);
        }
        let otra_direccion = ["email:ana@x.co".to_owned(), "ip:10.0.0.2".to_owned()];
        for bloqueadas in [&claves, &otra_direccion] {
            assert!(matches!(
                limites.comprobar(bloqueadas),
                Err(ErrorApi::DemasiadasSolicitudes {
                    reintentar: 1..=60,
                    ..
                })
            ));
        }
        assert!(limites.comprobar(&["email:otro@x.co".to_owned()]).is_ok());
        limites.exito("email:ana@x.co");
        assert!(
            limites.comprobar(&otra_direccion).is_ok(),
            "a success clears the e-mail"
        );
        assert!(limites.comprobar(&claves).is_err(), "not the address");
    }

    #[tokio::test]
    async fn hashing_turns_are_bounded() {
        let limites = Limites::default();
        let turnos: Vec<_> =
            futures::future::join_all((0..HASHES_A_LA_VEZ).map(|_| limites.turno_hash()))
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
        assert!(matches!(
            limites.turno_hash().await,
            Err(ErrorApi::Saturado(_))
        ));
        drop(turnos);
        assert!(limites.turno_hash().await.is_ok());
    }
}

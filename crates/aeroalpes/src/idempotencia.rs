//! The adapter of the HTTP edge's `Idempotency-Key` port: the `idempotencia` table of
//! `seedwork-persistencia`, run off the executor, and the derivation of reservation ids.

use seedwork_dominio::Causa;
use seedwork_persistencia::{EstadoClave, RegistroIdempotencia, Respuesta};

/// The record of `Idempotency-Key` requests in the database, and the secret that derives
/// reservation ids from keys (from the token secret, so that it survives restarts and is
/// the same on every replica).
pub struct IdempotenciaDiesel {
    registro: RegistroIdempotencia,
    secreto: Vec<u8>,
}

impl IdempotenciaDiesel {
    pub fn new(registro: RegistroIdempotencia, secreto: &[u8]) -> Self {
        Self {
            registro,
            secreto: secreto.to_vec(),
        }
    }
}

#[async_trait::async_trait]
impl aeroalpes_api::Idempotencia for IdempotenciaDiesel {
    async fn tomar(
        &self,
        ambito: &str,
        clave: &str,
        huella: &str,
    ) -> Result<aeroalpes_api::EstadoIdempotencia, Causa> {
        let (registro, ambito, clave, huella) = (
            self.registro.clone(),
            ambito.to_owned(),
            clave.to_owned(),
            huella.to_owned(),
        );
        let estado = acotado(move || registro.tomar(&ambito, &clave, &huella)).await?;
        Ok(match estado {
            EstadoClave::Nueva => aeroalpes_api::EstadoIdempotencia::Nueva,
            EstadoClave::EnCurso => aeroalpes_api::EstadoIdempotencia::EnCurso,
            EstadoClave::OtraHuella => aeroalpes_api::EstadoIdempotencia::OtraHuella,
            EstadoClave::Respondida {
                estado,
                cuerpo,
                ubicacion,
            } => aeroalpes_api::EstadoIdempotencia::Respondida(aeroalpes_api::RespuestaGuardada {
                estado,
                cuerpo,
                ubicacion,
            }),
        })
    }

    async fn responder(
        &self,
        ambito: &str,
        clave: &str,
        respuesta: aeroalpes_api::RespuestaGuardada,
    ) -> Result<(), Causa> {
        let (registro, ambito, clave) =
            (self.registro.clone(), ambito.to_owned(), clave.to_owned());
        let respuesta = Respuesta {
            estado: respuesta.estado,
            cuerpo: respuesta.cuerpo,
            ubicacion: respuesta.ubicacion,
        };
        acotado(move || registro.responder(&ambito, &clave, &respuesta)).await
    }

    async fn liberar(&self, ambito: &str, clave: &str) -> Result<(), Causa> {
        let (registro, ambito, clave) =
            (self.registro.clone(), ambito.to_owned(), clave.to_owned());
        acotado(move || registro.liberar(&ambito, &clave)).await
    }

    fn id_derivado(&self, ambito: &str, clave: &str) -> uuid::Uuid {
        use hmac::Mac;
        // HMAC accepts keys of any length.
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.secreto)
            .expect("HMAC takes any key length");
        mac.update(b"aeroalpes idempotencia\0");
        mac.update(ambito.as_bytes());
        mac.update(b"\0");
        mac.update(clave.as_bytes());
        let digesto = mac.finalize().into_bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digesto[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// Runs a record of the idempotency table on a blocking thread, within
/// [`ESPERA_TRABAJO`](seedwork_persistencia::ESPERA_TRABAJO).
async fn acotado<R, E>(trabajo: impl FnOnce() -> Result<R, E> + Send + 'static) -> Result<R, Causa>
where
    R: Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    seedwork_persistencia::en_hilo_acotado(seedwork_persistencia::ESPERA_TRABAJO, trabajo)
        .await
        .map_err(|e| Box::new(e) as Causa)?
        .map_err(|e| Box::new(e) as Causa)
}

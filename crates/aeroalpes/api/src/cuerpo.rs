//! Reads JSON request bodies: any content type (the tutorial's clients post with curl's
//! default form type), at most 256 KiB, and errors that say what is wrong with the JSON.

use actix_web::web;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::errores::ErrorApi;

/// The largest body the API accepts.
pub const LIMITE_CUERPO: usize = 256 * 1024;

pub async fn json<T: DeserializeOwned>(mut payload: web::Payload) -> Result<T, ErrorApi> {
    let mut cuerpo = web::BytesMut::new();
    while let Some(trozo) = payload.next().await {
        let trozo =
            trozo.map_err(|e| ErrorApi::solicitud(format!("no se pudo leer el cuerpo: {e}")))?;
        if cuerpo.len() + trozo.len() > LIMITE_CUERPO {
            return Err(ErrorApi::DemasiadoGrande(LIMITE_CUERPO));
        }
        cuerpo.extend_from_slice(&trozo);
    }
    serde_json::from_slice(&cuerpo).map_err(|e| ErrorApi::solicitud(format!("JSON inválido: {e}")))
}

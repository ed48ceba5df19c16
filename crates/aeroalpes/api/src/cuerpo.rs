//! Reads JSON request bodies: any content type (the tutorial's clients post with curl's
//! default form type), at most 256 KiB, and errors that say what is wrong with the JSON. A
//! text holding a NUL character is refused (400) on every route: PostgreSQL cannot store
//! one, and no field means it.

use actix_web::web;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::errores::ErrorApi;

/// The largest body the API accepts.
pub const LIMITE_CUERPO: usize = 256 * 1024;

/// How long a whole body may take to arrive (a body trickled byte by byte holds a
/// connection until then, and gets 408).
pub const PLAZO_CUERPO: std::time::Duration = std::time::Duration::from_secs(10);

/// The whole body, at most [`LIMITE_CUERPO`] bytes, within [`PLAZO_CUERPO`].
pub async fn leer<S, E>(payload: &mut S) -> Result<web::Bytes, ErrorApi>
where
    S: futures::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let leido = tokio::time::timeout(PLAZO_CUERPO, async {
        let mut cuerpo = web::BytesMut::new();
        while let Some(trozo) = payload.next().await {
            let trozo = trozo
                .map_err(|e| ErrorApi::solicitud(format!("no se pudo leer el cuerpo: {e}")))?;
            if cuerpo.len() + trozo.len() > LIMITE_CUERPO {
                return Err(ErrorApi::DemasiadoGrande(LIMITE_CUERPO));
            }
            cuerpo.extend_from_slice(&trozo);
        }
        Ok(cuerpo.freeze())
    })
    .await;
    leido.unwrap_or(Err(ErrorApi::TiempoAgotado))
}

pub async fn json<T: DeserializeOwned>(mut payload: web::Payload) -> Result<T, ErrorApi> {
    let cuerpo = leer(&mut payload).await?;
    // A NUL can only be in JSON as the escape `\u0000` (a raw one is not JSON): without
    // that text the body is read straight into `T`, as every ordinary request is.
    if !cuerpo.windows(6).any(|w| w == b"\\u0000") {
        return serde_json::from_slice(&cuerpo)
            .map_err(|e| ErrorApi::solicitud(format!("JSON inválido: {e}")));
    }
    let valor: serde_json::Value = serde_json::from_slice(&cuerpo)
        .map_err(|e| ErrorApi::solicitud(format!("JSON inválido: {e}")))?;
    if tiene_nul(&valor) {
        return Err(ErrorApi::solicitud(
            "JSON inválido: un texto contiene el carácter NUL (\\u0000)",
        ));
    }
    serde_json::from_value(valor).map_err(|e| ErrorApi::solicitud(format!("JSON inválido: {e}")))
}

/// Whether a text anywhere in `valor` (a key too) holds a NUL character.
fn tiene_nul(valor: &serde_json::Value) -> bool {
    match valor {
        serde_json::Value::String(texto) => texto.contains('\0'),
        serde_json::Value::Array(valores) => valores.iter().any(tiene_nul),
        serde_json::Value::Object(campos) => campos
            .iter()
            .any(|(clave, valor)| clave.contains('\0') || tiene_nul(valor)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_character_in_any_text_or_key_is_found() {
        for con_nul in [
            serde_json::json!({"nombres": "Ana\u{0}"}),
            serde_json::json!({"a": [{"b": "\u{0}"}]}),
            serde_json::json!({"cla\u{0}ve": 1}),
        ] {
            assert!(tiene_nul(&con_nul), "{con_nul}");
        }
        assert!(!tiene_nul(
            &serde_json::json!({"a": ["b", 1, null, {"c": "\\u0000"}]})
        ));
    }
}

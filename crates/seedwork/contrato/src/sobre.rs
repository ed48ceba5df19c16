//! The envelope every integration record shares (`id, time, ingestion, specversion, type,
//! datacontenttype, service_name, correlation_id, causation_id, data`) and the metadata a
//! writer gives it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campos::{milisegundos, Campos};
use crate::errores::ErrorConversion;
use crate::{MensajeIntegracion, NOMBRE_SERVICIO, TIPO_CONTENIDO, VERSION_ESPECIFICACION};

/// An integration record: the envelope around a payload `T`. Every field is optional, as in
/// the schema (`["null", T]`, default null), so that records written with an older or a
/// foreign schema (the tutorial's carries `data` only) still decode; what is required is
/// checked when converting the record, not when decoding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sobre<T> {
    /// A fresh UUID per message; consumers deduplicate on it.
    pub id: Option<String>,
    /// When the fact happened, milliseconds since the epoch.
    pub time: Option<i64>,
    /// When the message was written, milliseconds since the epoch.
    pub ingestion: Option<i64>,
    /// `"v1"`.
    pub specversion: Option<String>,
    /// The record name.
    #[serde(rename = "type")]
    pub tipo: Option<String>,
    /// `"AVRO"`.
    pub datacontenttype: Option<String>,
    /// The service that wrote the message.
    pub service_name: Option<String>,
    pub correlation_id: Option<String>,
    pub causation_id: Option<String>,
    pub data: Option<T>,
}

impl<T> Sobre<T>
where
    Self: MensajeIntegracion,
{
    /// Wraps a payload this service writes now, about a fact that happened at `time`.
    pub fn envolver(data: T, metadatos: &Metadatos, time: DateTime<Utc>) -> Self {
        Self {
            id: Some(metadatos.id_mensaje.to_string()),
            time: Some(milisegundos(time)),
            ingestion: Some(milisegundos(Utc::now())),
            specversion: Some(VERSION_ESPECIFICACION.to_owned()),
            tipo: Some(Self::TIPO.to_owned()),
            datacontenttype: Some(TIPO_CONTENIDO.to_owned()),
            service_name: Some(NOMBRE_SERVICIO.to_owned()),
            correlation_id: metadatos.correlation_id.clone(),
            causation_id: metadatos.causation_id.clone(),
            data: Some(data),
        }
    }

    /// The message's identity and conversation, e.g. for the inbox. Fails when `id` is
    /// missing or not a UUID (messages written with the tutorial's schema have no `id`).
    pub fn metadatos(&self) -> Result<Metadatos, ErrorConversion> {
        let campos = Campos::de::<Self>();
        let id = campos.requerido(&self.id, "id")?;
        let id_mensaje = campos.uuid(id, "id")?;
        Ok(Metadatos {
            id_mensaje,
            correlation_id: self.correlation_id.clone(),
            causation_id: self.causation_id.clone(),
        })
    }

    /// The envelope's `id` as a UUID, `None` when the record has none (the tutorial's
    /// schema has no envelope id); an id that is not a UUID is an error.
    pub fn id_opcional(&self) -> Result<Option<Uuid>, ErrorConversion> {
        match &self.id {
            Some(id) => Campos::de::<Self>().uuid(id, "id").map(Some),
            None => Ok(None),
        }
    }

    /// The payload, or the error naming `data` when it is null.
    pub fn carga(&self) -> Result<&T, ErrorConversion> {
        Campos::de::<Self>().requerido(&self.data, "data")
    }
}

/// Who a message is and which conversation it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadatos {
    /// The envelope's `id`, and the outbox and inbox id of the message.
    pub id_mensaje: Uuid,
    /// The id shared by every message of one conversation (e.g. the HTTP request id).
    pub correlation_id: Option<String>,
    /// The id of the message that caused this one.
    pub causation_id: Option<String>,
}

/// The message property names that carry the conversation ids.
pub const PROPIEDAD_CORRELACION: &str = "correlation_id";
pub const PROPIEDAD_CAUSACION: &str = "causation_id";

impl Metadatos {
    /// A new message with a fresh id (UUID v7), in no conversation yet.
    pub fn nuevos() -> Self {
        Self::con_id(Uuid::now_v7())
    }

    /// A message whose id is already decided (a domain event's `id_evento`).
    pub fn con_id(id_mensaje: Uuid) -> Self {
        Self {
            id_mensaje,
            correlation_id: None,
            causation_id: None,
        }
    }

    pub fn correlacionados(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    pub fn causados_por(mut self, causation_id: impl Into<String>) -> Self {
        self.causation_id = Some(causation_id.into());
        self
    }

    /// A new message caused by this one, in the same conversation (which this message
    /// starts when it has none).
    pub fn siguiente(&self) -> Self {
        let correlation_id = self
            .correlation_id
            .clone()
            .unwrap_or_else(|| self.id_mensaje.to_string());
        Self::nuevos()
            .correlacionados(correlation_id)
            .causados_por(self.id_mensaje.to_string())
    }

    /// The conversation ids as message properties (absent ids are left out).
    pub fn propiedades(&self) -> BTreeMap<String, String> {
        [
            (PROPIEDAD_CORRELACION, &self.correlation_id),
            (PROPIEDAD_CAUSACION, &self.causation_id),
        ]
        .into_iter()
        .filter_map(|(nombre, valor)| Some((nombre.to_owned(), valor.clone()?)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_message_is_caused_by_this_one_and_keeps_its_conversation() {
        let primero = Metadatos::nuevos().correlacionados("peticion-1");
        let siguiente = primero.siguiente();
        assert_ne!(siguiente.id_mensaje, primero.id_mensaje);
        assert_eq!(siguiente.correlation_id.as_deref(), Some("peticion-1"));
        assert_eq!(siguiente.causation_id, Some(primero.id_mensaje.to_string()));
    }

    #[test]
    fn a_message_outside_any_conversation_starts_one_for_the_next() {
        let primero = Metadatos::nuevos();
        let siguiente = primero.siguiente();
        assert_eq!(
            siguiente.correlation_id,
            Some(primero.id_mensaje.to_string())
        );
    }

    #[test]
    fn only_the_conversation_ids_present_become_properties() {
        let metadatos = Metadatos::nuevos().causados_por("c");
        assert_eq!(
            metadatos.propiedades(),
            BTreeMap::from([(PROPIEDAD_CAUSACION.to_owned(), "c".to_owned())])
        );
    }
}

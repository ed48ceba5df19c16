//! From an integration record of a module's contract to the outbox message that publishes
//! it, the same way for every module.

use seedwork_contrato::{ErrorAvro, MensajeIntegracion, Metadatos};
use uuid::Uuid;

use crate::mensaje_en_curso::MensajeEnCurso;
use crate::outbox::MensajeSaliente;

/// The outbox message of a record: Avro-encoded, keyed by the aggregate it is about so that
/// the messages of one aggregate stay in order, its conversation ids as properties. Its id
/// is `metadatos.id_mensaje`.
pub fn saliente<M: MensajeIntegracion>(
    registro: &M,
    metadatos: &Metadatos,
) -> Result<MensajeSaliente, ErrorAvro> {
    Ok(MensajeSaliente {
        id_mensaje: metadatos.id_mensaje,
        topico: M::TOPICO.to_owned(),
        tipo: M::TIPO.to_owned(),
        clave: registro.clave().map(str::to_owned),
        carga: registro.codificar()?,
        propiedades: metadatos.propiedades(),
    })
}

/// The metadata of the integration event of domain event `id_evento`: its id is the
/// event's; raised while handling a message (`causa`), it is caused by that message and
/// shares its correlation id.
pub fn metadatos_de_evento(id_evento: Uuid, causa: Option<&MensajeEnCurso>) -> Metadatos {
    match causa {
        Some(causa) => Metadatos::con_id(id_evento)
            .causados_por(causa.id_mensaje.clone())
            .correlacionados(causa.correlacion()),
        None => Metadatos::con_id(id_evento),
    }
}

//! Turns the vuelos domain events into Avro integration events (schema/v1) written to the
//! outbox, inside the transaction that raised them, so an event leaves if and only if its
//! change commits; and builds the outbox message of a command sent asynchronously.

use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{ErrorPersistencia, EventoDominio};
use seedwork_infraestructura::mensajeria::MensajeEnCurso;
use seedwork_infraestructura::{ManejadoresEventos, MensajeSaliente, TransaccionDiesel};
use vuelos_dominio::{ReservaAprobada, ReservaCancelada, ReservaCreada, ReservaPagada};

use crate::esquemas::{
    ComandoIntegracion, ErrorAvro, EventoIntegracion, EventoReservaAprobada,
    EventoReservaCancelada, EventoReservaCreada, EventoReservaPagada, MensajeIntegracion,
    Metadatos,
};

/// A domain event that leaves the module as an integration event, and its record.
pub trait EventoDeIntegracion: EventoDominio + Sized {
    type Registro: EventoIntegracion<Evento = Self>;
}

impl EventoDeIntegracion for ReservaCreada {
    type Registro = EventoReservaCreada;
}
impl EventoDeIntegracion for ReservaAprobada {
    type Registro = EventoReservaAprobada;
}
impl EventoDeIntegracion for ReservaCancelada {
    type Registro = EventoReservaCancelada;
}
impl EventoDeIntegracion for ReservaPagada {
    type Registro = EventoReservaPagada;
}

/// The outbox message of a record: Avro-encoded, keyed by reservation so that the messages
/// of one reservation stay in order, its conversation ids as properties.
fn saliente<M: MensajeIntegracion>(
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

/// The outbox message of the integration event of a domain event. Its id (the envelope's
/// `id` and the outbox's `id_mensaje`) is the event's `id_evento`; when the event was raised
/// while handling a message (`causa`), it is caused by that message and shares its
/// correlation id.
pub fn evento_al_outbox<E: EventoDeIntegracion>(
    evento: &E,
    causa: Option<&MensajeEnCurso>,
) -> Result<MensajeSaliente, ErrorAvro> {
    let metadatos = match causa {
        Some(causa) => Metadatos::con_id(evento.id_evento())
            .causados_por(causa.id_mensaje.clone())
            .correlacionados(causa.correlacion()),
        None => Metadatos::con_id(evento.id_evento()),
    };
    saliente(&E::Registro::desde_evento(evento, &metadatos), &metadatos)
}

/// The outbox message that sends an application command on its topic (for the
/// asynchronous routes). Its id is `metadatos.id_mensaje`.
pub fn comando_al_outbox<C: ComandoIntegracion>(
    comando: &C::Comando,
    metadatos: &Metadatos,
) -> Result<MensajeSaliente, ErrorAvro> {
    saliente(&C::desde_comando(comando, metadatos), metadatos)
}

/// Writes the integration message of a domain event to the outbox.
pub fn al_outbox<E: EventoDeIntegracion>(
    evento: &E,
    tx: &mut TransaccionDiesel,
) -> Result<(), ErrorUnidadTrabajo> {
    let mensaje = evento_al_outbox(evento, tx.mensaje_en_curso())
        .map_err(|e| ErrorPersistencia::Inesperado(e.to_string()))?;
    Ok(tx.agregar_al_outbox(&mensaje)?)
}

/// Subscribes the handlers that write every vuelos integration event to the outbox.
pub fn registrar_manejadores(manejadores: &mut ManejadoresEventos) {
    manejadores
        .suscribir(al_outbox::<ReservaCreada>)
        .suscribir(al_outbox::<ReservaAprobada>)
        .suscribir(al_outbox::<ReservaCancelada>)
        .suscribir(al_outbox::<ReservaPagada>);
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use vuelos_aplicacion::comandos::AprobarReserva;
    use vuelos_dominio::{EstadoReserva, IdCliente, IdReserva};

    use super::*;
    use crate::esquemas::{ComandoAprobarReserva, PROPIEDAD_CORRELACION};

    #[test]
    fn a_created_event_leaves_as_avro_keyed_by_its_reservation_with_the_event_id() {
        let fecha = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let evento = ReservaCreada {
            id_evento: uuid::Uuid::now_v7(),
            fecha_evento: fecha,
            id_reserva: IdReserva::nuevo(),
            id_cliente: Some(IdCliente::nuevo()),
            estado: EstadoReserva::Pendiente,
            fecha_creacion: fecha,
        };

        let mensaje = evento_al_outbox(&evento, None).unwrap();

        assert_eq!(mensaje.id_mensaje, evento.id_evento);
        assert_eq!(
            mensaje.topico,
            "persistent://public/default/eventos-reserva"
        );
        assert_eq!(mensaje.tipo, "EventoReservaCreada");
        assert_eq!(mensaje.clave, Some(evento.id_reserva.to_string()));
        let registro = EventoReservaCreada::decodificar(&mensaje.carga, None).unwrap();
        assert_eq!(registro.id, Some(evento.id_evento.to_string()));
        assert_eq!(registro.time, Some(fecha.timestamp_millis()));
        assert!(registro.ingestion.is_some());
        let notificacion = registro.a_notificacion().unwrap();
        assert_eq!(notificacion.id_reserva, evento.id_reserva);
        assert_eq!(notificacion.estado, EstadoReserva::Pendiente);
    }

    #[test]
    fn an_event_raised_while_handling_a_message_is_caused_by_it_and_shares_its_correlation() {
        let fecha = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let evento = ReservaCreada {
            id_evento: uuid::Uuid::now_v7(),
            fecha_evento: fecha,
            id_reserva: IdReserva::nuevo(),
            id_cliente: None,
            estado: EstadoReserva::Pendiente,
            fecha_creacion: fecha,
        };
        let comando = MensajeEnCurso::new("comando-1", "ComandoCrearReserva")
            .correlacionado(Some("peticion-9".into()));
        let sin_correlacion = MensajeEnCurso::new("comando-2", "ComandoCrearReserva");

        let registro = |causa: &MensajeEnCurso| {
            let mensaje = evento_al_outbox(&evento, Some(causa)).unwrap();
            EventoReservaCreada::decodificar(&mensaje.carga, None).unwrap()
        };

        let causado = registro(&comando);
        assert_eq!(causado.causation_id.as_deref(), Some("comando-1"));
        assert_eq!(causado.correlation_id.as_deref(), Some("peticion-9"));
        // A message with no correlation opened the conversation: its id correlates it.
        assert_eq!(
            registro(&sin_correlacion).correlation_id.as_deref(),
            Some("comando-2")
        );
    }

    #[test]
    fn a_command_leaves_with_the_given_id_and_its_conversation_as_properties() {
        let comando = AprobarReserva {
            id: IdReserva::nuevo(),
        };
        let metadatos = Metadatos::nuevos().correlacionados("peticion-7");

        let mensaje = comando_al_outbox::<ComandoAprobarReserva>(&comando, &metadatos).unwrap();

        assert_eq!(mensaje.id_mensaje, metadatos.id_mensaje);
        assert_eq!(
            mensaje.topico,
            "persistent://public/default/comandos-aprobar-reserva"
        );
        assert_eq!(mensaje.clave, Some(comando.id.to_string()));
        assert_eq!(
            mensaje
                .propiedades
                .get(PROPIEDAD_CORRELACION)
                .map(String::as_str),
            Some("peticion-7")
        );
        let registro = ComandoAprobarReserva::decodificar(&mensaje.carga, None).unwrap();
        assert_eq!(registro.a_comando(), Ok(comando));
        assert_eq!(registro.correlation_id.as_deref(), Some("peticion-7"));
    }
}

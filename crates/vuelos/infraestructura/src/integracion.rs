//! The integration adapter of vuelos: the translation between its application commands and
//! domain events and the records of its published contract (`vuelos-contrato`), and the
//! handlers that write its integration events to the outbox inside the transaction that
//! raised their domain events (an event leaves if and only if its change commits). This is
//! the only code that knows both sides: the contract names no domain type, and the
//! application names no record.

use chrono::Utc;
use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{ErrorPersistencia, EventoDominio};
use seedwork_persistencia::outbox::{self, saliente};
use seedwork_persistencia::{
    ManejadoresEventos, MensajeEnCurso, MensajeSaliente, TransaccionDiesel,
};
use vuelos_aplicacion::comandos::{
    AprobarReserva, CancelarReserva, ComandoReserva, CrearReserva, PagarReserva,
};
use vuelos_contrato::campos::milisegundos;
use vuelos_contrato::{
    AeropuertoAvro, Campos, ComandoAprobarReserva, ComandoAprobarReservaPayload,
    ComandoCancelarReserva, ComandoCancelarReservaPayload, ComandoCrearReserva,
    ComandoCrearReservaPayload, ComandoPagarReserva, ComandoPagarReservaPayload, ComandoVuelos,
    ErrorAvro, ErrorConversion, EventoReservaAprobada, EventoReservaCancelada, EventoReservaCreada,
    EventoReservaPagada, EventoSolicitudRechazada, ItinerarioAvro, LegAvro, MensajeIntegracion,
    Metadatos, OdoAvro, ReservaAprobadaPayload, ReservaCanceladaPayload, ReservaCreadaPayload,
    ReservaPagadaPayload, SegmentoAvro, Sobre, SolicitudRechazadaPayload, TipoEventoVuelos,
};
use vuelos_dominio::{
    AccionReserva, Aeropuerto, EstadoReserva, IdCliente, IdReserva, Itinerario, Leg, Odo,
    ReservaAprobada, ReservaCancelada, ReservaCreada, ReservaPagada, Segmento,
};

// ---------------------------------------------------------------------------------------
// Commands

/// A command record and the application command it carries.
pub trait ComandoIntegracion: MensajeIntegracion {
    type Comando;

    /// The record of a command, sent now.
    fn desde_comando(comando: &Self::Comando, metadatos: &Metadatos) -> Self;

    /// The command, or what is missing or invalid in the record.
    fn a_comando(&self) -> Result<Self::Comando, ErrorConversion>;
}

/// The outbox message that sends `comando` on its topic. Its id is `metadatos.id_mensaje`.
pub fn comando_al_outbox(
    comando: &ComandoReserva,
    metadatos: &Metadatos,
) -> Result<MensajeSaliente, ErrorAvro> {
    match comando {
        ComandoReserva::Crear(c) => {
            saliente(&ComandoCrearReserva::desde_comando(c, metadatos), metadatos)
        }
        ComandoReserva::Aprobar(c) => saliente(
            &ComandoAprobarReserva::desde_comando(c, metadatos),
            metadatos,
        ),
        ComandoReserva::Cancelar(c) => saliente(
            &ComandoCancelarReserva::desde_comando(c, metadatos),
            metadatos,
        ),
        ComandoReserva::Pagar(c) => {
            saliente(&ComandoPagarReserva::desde_comando(c, metadatos), metadatos)
        }
    }
}

/// The application command a decoded command record carries.
pub fn a_comando(registro: &ComandoVuelos) -> Result<ComandoReserva, ErrorConversion> {
    match registro {
        ComandoVuelos::Crear(r) => r.a_comando().map(ComandoReserva::Crear),
        ComandoVuelos::Aprobar(r) => r.a_comando().map(ComandoReserva::Aprobar),
        ComandoVuelos::Cancelar(r) => r.a_comando().map(ComandoReserva::Cancelar),
        ComandoVuelos::Pagar(r) => r.a_comando().map(ComandoReserva::Pagar),
    }
}

/// The lifecycle action a command record asks for; `None` for a creation.
pub fn accion_de(registro: &ComandoVuelos) -> Option<AccionReserva> {
    match registro {
        ComandoVuelos::Crear(_) => None,
        ComandoVuelos::Aprobar(_) => Some(AprobarReserva::ACCION),
        ComandoVuelos::Cancelar(_) => Some(CancelarReserva::ACCION),
        ComandoVuelos::Pagar(_) => Some(PagarReserva::ACCION),
    }
}

fn id_reserva(
    campos: Campos,
    valor: &Option<String>,
    campo: &str,
) -> Result<IdReserva, ErrorConversion> {
    IdReserva::parse(campos.requerido(valor, campo)?).map_err(|regla| campos.invalido(campo, regla))
}

/// A client id is optional: a null one is an anonymous reservation.
fn id_cliente(
    campos: Campos,
    valor: &Option<String>,
    campo: &str,
) -> Result<Option<IdCliente>, ErrorConversion> {
    valor
        .as_deref()
        .map(|texto| IdCliente::parse(texto).map_err(|regla| campos.invalido(campo, regla)))
        .transpose()
}

fn aeropuerto_avro(aeropuerto: &Aeropuerto) -> AeropuertoAvro {
    AeropuertoAvro {
        codigo: Some(aeropuerto.codigo().to_string()),
        nombre: Some(aeropuerto.nombre().to_owned()),
    }
}

fn itinerario_avro(itinerario: &Itinerario) -> ItinerarioAvro {
    let leg = |leg: &Leg| LegAvro {
        fecha_salida: Some(milisegundos(leg.fecha_salida())),
        fecha_llegada: Some(milisegundos(leg.fecha_llegada())),
        origen: Some(aeropuerto_avro(leg.origen())),
        destino: Some(aeropuerto_avro(leg.destino())),
    };
    let segmento = |segmento: &Segmento| SegmentoAvro {
        legs: Some(segmento.legs().iter().map(leg).collect()),
    };
    let odo = |odo: &Odo| OdoAvro {
        segmentos: Some(odo.segmentos().iter().map(segmento).collect()),
    };
    ItinerarioAvro {
        odos: Some(itinerario.odos().iter().map(odo).collect()),
    }
}

/// Maps every element of a required list, naming each by its index in the path.
fn lista<A, D>(
    campos: Campos,
    valor: &Option<Vec<A>>,
    ruta: &str,
    elemento: impl Fn(&A, &str) -> Result<D, ErrorConversion>,
) -> Result<Vec<D>, ErrorConversion> {
    campos
        .requerido(valor, ruta)?
        .iter()
        .enumerate()
        .map(|(i, a)| elemento(a, &format!("{ruta}[{i}]")))
        .collect()
}

fn aeropuerto(
    avro: &AeropuertoAvro,
    campos: Campos,
    ruta: &str,
) -> Result<Aeropuerto, ErrorConversion> {
    let codigo = campos.requerido(&avro.codigo, &format!("{ruta}.codigo"))?;
    let nombre = campos.requerido(&avro.nombre, &format!("{ruta}.nombre"))?;
    Aeropuerto::parse(codigo, nombre)
        .map_err(|regla| campos.invalido(&format!("{ruta}.codigo"), regla))
}

fn leg(avro: &LegAvro, campos: Campos, ruta: &str) -> Result<Leg, ErrorConversion> {
    let extremo = |valor: &Option<AeropuertoAvro>, campo: &str| {
        let ruta = format!("{ruta}.{campo}");
        aeropuerto(campos.requerido(valor, &ruta)?, campos, &ruta)
    };
    Leg::new(
        campos.fecha(&avro.fecha_salida, &format!("{ruta}.fecha_salida"))?,
        campos.fecha(&avro.fecha_llegada, &format!("{ruta}.fecha_llegada"))?,
        extremo(&avro.origen, "origen")?,
        extremo(&avro.destino, "destino")?,
    )
    .map_err(|regla| campos.invalido(ruta, regla))
}

fn itinerario(
    avro: &ItinerarioAvro,
    campos: Campos,
    ruta: &str,
) -> Result<Itinerario, ErrorConversion> {
    let ruta_odos = format!("{ruta}.odos");
    let odos = lista(campos, &avro.odos, &ruta_odos, |odo, ruta| {
        let ruta_segmentos = format!("{ruta}.segmentos");
        let segmentos = lista(campos, &odo.segmentos, &ruta_segmentos, |segmento, ruta| {
            let ruta_legs = format!("{ruta}.legs");
            let legs = lista(campos, &segmento.legs, &ruta_legs, |l, ruta| {
                leg(l, campos, ruta)
            })?;
            Segmento::new(legs).map_err(|regla| campos.invalido(&ruta_legs, regla))
        })?;
        Odo::new(segmentos).map_err(|regla| campos.invalido(&ruta_segmentos, regla))
    })?;
    Itinerario::new(odos).map_err(|regla| campos.invalido(&ruta_odos, regla))
}

impl ComandoIntegracion for ComandoCrearReserva {
    type Comando = CrearReserva;

    /// `time` is the command's `fecha_creacion`: when the reservation was asked for.
    fn desde_comando(comando: &CrearReserva, metadatos: &Metadatos) -> Self {
        let carga = ComandoCrearReservaPayload {
            id_reserva: Some(comando.id.to_string()),
            id_usuario: comando.id_cliente.map(|id| id.to_string()),
            fecha_creacion: Some(milisegundos(comando.fecha_creacion)),
            itinerarios: Some(comando.itinerarios.iter().map(itinerario_avro).collect()),
        };
        Sobre::envolver(carga, metadatos, comando.fecha_creacion)
    }

    /// Requires `id_reserva`, `fecha_creacion` and `itinerarios` (all named at once when
    /// missing, as in a message of the tutorial's schema); `id_usuario` may be null.
    /// Itineraries must keep the domain's rules; an empty list is left to the handler.
    fn a_comando(&self) -> Result<CrearReserva, ErrorConversion> {
        let campos = Campos::de::<Self>();
        let carga = self.carga()?;
        campos.todos_presentes(&[
            ("data.id_reserva", carga.id_reserva.is_none()),
            ("data.fecha_creacion", carga.fecha_creacion.is_none()),
            ("data.itinerarios", carga.itinerarios.is_none()),
        ])?;
        Ok(CrearReserva {
            id: id_reserva(campos, &carga.id_reserva, "data.id_reserva")?,
            id_cliente: id_cliente(campos, &carga.id_usuario, "data.id_usuario")?,
            fecha_creacion: campos.fecha(&carga.fecha_creacion, "data.fecha_creacion")?,
            itinerarios: lista(campos, &carga.itinerarios, "data.itinerarios", |i, ruta| {
                itinerario(i, campos, ruta)
            })?,
        })
    }
}

/// A lifecycle command record: its payload names the reservation only.
macro_rules! comando_de_ciclo_de_vida {
    ($registro:ty, $carga:ident, $comando:ident) => {
        impl ComandoIntegracion for $registro {
            type Comando = $comando;

            fn desde_comando(comando: &$comando, metadatos: &Metadatos) -> Self {
                let carga = $carga {
                    id_reserva: Some(comando.id.to_string()),
                };
                Sobre::envolver(carga, metadatos, Utc::now())
            }

            fn a_comando(&self) -> Result<$comando, ErrorConversion> {
                let id = &self.carga()?.id_reserva;
                Ok($comando {
                    id: id_reserva(Campos::de::<Self>(), id, "data.id_reserva")?,
                })
            }
        }
    };
}

comando_de_ciclo_de_vida!(
    ComandoAprobarReserva,
    ComandoAprobarReservaPayload,
    AprobarReserva
);
comando_de_ciclo_de_vida!(
    ComandoCancelarReserva,
    ComandoCancelarReservaPayload,
    CancelarReserva
);
comando_de_ciclo_de_vida!(
    ComandoPagarReserva,
    ComandoPagarReservaPayload,
    PagarReserva
);

// ---------------------------------------------------------------------------------------
// Events

/// An event record built from its domain event.
pub trait RegistroDeEvento: MensajeIntegracion {
    type Evento: EventoDominio;

    /// The record of a domain event. `time` is when the event happened; the envelope's
    /// `id` is `metadatos.id_mensaje`, which the outbox sets to the event's `id_evento`.
    fn desde_evento(evento: &Self::Evento, metadatos: &Metadatos) -> Self;
}

/// A domain event that leaves the module as an integration event, and its record.
pub trait EventoDeIntegracion: EventoDominio + Sized {
    type Registro: RegistroDeEvento<Evento = Self>;
}

/// The four fields every reservation payload carries, from a domain event.
struct Campos4 {
    id_reserva: Option<String>,
    id_cliente: Option<String>,
    estado: Option<String>,
    fecha: Option<i64>,
}

fn campos_de(
    id: IdReserva,
    cliente: Option<IdCliente>,
    estado: EstadoReserva,
    fecha: chrono::DateTime<Utc>,
) -> Campos4 {
    Campos4 {
        id_reserva: Some(id.to_string()),
        id_cliente: cliente.map(|id| id.to_string()),
        estado: Some(estado.as_str().to_owned()),
        fecha: Some(milisegundos(fecha)),
    }
}

impl RegistroDeEvento for EventoReservaCreada {
    type Evento = ReservaCreada;

    fn desde_evento(evento: &ReservaCreada, metadatos: &Metadatos) -> Self {
        let c = campos_de(
            evento.id_reserva,
            evento.id_cliente,
            evento.estado,
            evento.fecha_creacion,
        );
        let carga = ReservaCreadaPayload {
            id_reserva: c.id_reserva,
            id_cliente: c.id_cliente,
            estado: c.estado,
            fecha_creacion: c.fecha,
            itinerarios: Some(evento.itinerarios.iter().map(itinerario_avro).collect()),
        };
        Sobre::envolver(carga, metadatos, evento.fecha_evento)
    }
}

/// A lifecycle event: the state it reached, changed at the event's date.
macro_rules! evento_de_ciclo_de_vida {
    ($registro:ty, $carga:ident, $evento:ident, $estado:ident) => {
        impl RegistroDeEvento for $registro {
            type Evento = $evento;

            fn desde_evento(evento: &$evento, metadatos: &Metadatos) -> Self {
                let c = campos_de(
                    evento.id_reserva,
                    evento.id_cliente,
                    EstadoReserva::$estado,
                    evento.fecha_evento,
                );
                let carga = $carga {
                    id_reserva: c.id_reserva,
                    id_cliente: c.id_cliente,
                    estado: c.estado,
                    fecha_actualizacion: c.fecha,
                };
                Sobre::envolver(carga, metadatos, evento.fecha_evento)
            }
        }

        impl EventoDeIntegracion for $evento {
            type Registro = $registro;
        }
    };
}

impl EventoDeIntegracion for ReservaCreada {
    type Registro = EventoReservaCreada;
}
evento_de_ciclo_de_vida!(
    EventoReservaAprobada,
    ReservaAprobadaPayload,
    ReservaAprobada,
    Aprobada
);
evento_de_ciclo_de_vida!(
    EventoReservaCancelada,
    ReservaCanceladaPayload,
    ReservaCancelada,
    Cancelada
);
evento_de_ciclo_de_vida!(
    EventoReservaPagada,
    ReservaPagadaPayload,
    ReservaPagada,
    Pagada
);

/// The outbox message of the integration event of a domain event. Its id (the envelope's
/// `id` and the outbox's `id_mensaje`) is the event's `id_evento`; when the event was raised
/// while handling a message (`causa`), it is caused by that message and shares its
/// correlation id.
pub fn evento_al_outbox<E: EventoDeIntegracion>(
    evento: &E,
    causa: Option<&MensajeEnCurso>,
) -> Result<MensajeSaliente, ErrorAvro> {
    let metadatos = outbox::metadatos_de_evento(evento.id_evento(), causa);
    saliente(&E::Registro::desde_evento(evento, &metadatos), &metadatos)
}

/// The itineraries an `EventoReservaCreada` carries, kept to the domain's rules: what a
/// read model stores of the reservation. Events written before they travelled lack them.
pub fn itinerarios_del_evento(
    registro: &EventoReservaCreada,
) -> Result<Vec<Itinerario>, ErrorConversion> {
    let campos = Campos::de::<EventoReservaCreada>();
    let carga = registro.carga()?;
    lista(campos, &carga.itinerarios, "data.itinerarios", |i, ruta| {
        itinerario(i, campos, ruta)
    })
}

/// The outbox message that tells a command accepted asynchronously was refused: caused by
/// the command's message (`id_mensaje`), in its conversation.
pub fn rechazo_al_outbox(
    id_reserva: IdReserva,
    accion: Option<AccionReserva>,
    razon: &str,
    id_mensaje: &str,
    correlacion: Option<&str>,
) -> Result<MensajeSaliente, ErrorAvro> {
    let ahora = Utc::now();
    let metadatos = Metadatos::nuevos()
        .causados_por(id_mensaje)
        .correlacionados(correlacion.unwrap_or(id_mensaje));
    let carga = SolicitudRechazadaPayload {
        id_reserva: Some(id_reserva.to_string()),
        accion: accion.map(|accion| accion.to_string()),
        razon: Some(razon.to_owned()),
        fecha: Some(milisegundos(ahora)),
    };
    saliente(
        &EventoSolicitudRechazada::envolver(carga, &metadatos, ahora),
        &metadatos,
    )
}

/// Writes the integration message of a domain event to the outbox.
pub fn al_outbox<E: EventoDeIntegracion>(
    evento: &E,
    tx: &mut TransaccionDiesel,
) -> Result<(), ErrorUnidadTrabajo> {
    let mensaje =
        evento_al_outbox(evento, tx.mensaje_en_curso()).map_err(ErrorPersistencia::inesperado)?;
    Ok(tx.agregar_al_outbox(&mensaje)?)
}

/// Subscribes the handlers that write every vuelos integration event to the outbox: one
/// per event of the contract, by an exhaustive `match`.
pub fn registrar_manejadores(manejadores: &mut ManejadoresEventos) {
    for tipo in TipoEventoVuelos::TODOS {
        match tipo {
            TipoEventoVuelos::Creada => manejadores.suscribir(al_outbox::<ReservaCreada>),
            TipoEventoVuelos::Aprobada => manejadores.suscribir(al_outbox::<ReservaAprobada>),
            TipoEventoVuelos::Cancelada => manejadores.suscribir(al_outbox::<ReservaCancelada>),
            TipoEventoVuelos::Pagada => manejadores.suscribir(al_outbox::<ReservaPagada>),
        };
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use seedwork_persistencia::MensajeEnCurso;
    use vuelos_aplicacion::comandos::{AprobarReserva, ComandoReserva};
    use vuelos_contrato::{
        ComandoAprobarReserva, EventoIntegracion, EventoReservaCreada, MensajeIntegracion,
        Metadatos, PROPIEDAD_CORRELACION,
    };
    use vuelos_dominio::{EstadoReserva, IdCliente, IdReserva};

    use super::*;
    use vuelos_aplicacion::comandos::{CancelarReserva, PagarReserva};
    use vuelos_contrato::ESTADOS_RESERVA;

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
            itinerarios: Vec::new(),
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
        assert_eq!(notificacion.id_reserva, evento.id_reserva.uuid());
        assert_eq!(notificacion.estado, EstadoReserva::Pendiente.as_str());
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
            itinerarios: Vec::new(),
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

        let mensaje = comando_al_outbox(&ComandoReserva::Aprobar(comando), &metadatos).unwrap();

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

    #[test]
    fn the_contract_spells_every_state_of_the_domain() {
        let dominio: Vec<&str> = EstadoReserva::TODOS.iter().map(|e| e.as_str()).collect();
        let mut contrato = ESTADOS_RESERVA.to_vec();
        let mut esperados = dominio.clone();
        contrato.sort_unstable();
        esperados.sort_unstable();
        assert_eq!(contrato, esperados);
    }

    #[test]
    fn every_command_travels_on_its_own_topic_and_comes_back_as_itself() {
        let id = IdReserva::nuevo();
        let comandos = [
            ComandoReserva::Aprobar(AprobarReserva { id }),
            ComandoReserva::Cancelar(CancelarReserva { id }),
            ComandoReserva::Pagar(PagarReserva { id }),
        ];
        let mut topicos = Vec::new();
        for comando in comandos {
            let mensaje = comando_al_outbox(&comando, &Metadatos::nuevos()).unwrap();
            let registro = vuelos_contrato::Decodificador::new()
                .comando(&mensaje.topico, &mensaje.carga, None)
                .unwrap()
                .unwrap();
            assert_eq!(a_comando(&registro), Ok(comando));
            topicos.push(mensaje.topico);
        }
        topicos.dedup();
        assert_eq!(topicos.len(), 3);
    }
}

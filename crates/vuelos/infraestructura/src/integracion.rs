//! Turns the vuelos domain events into integration messages written to the outbox, inside
//! the transaction that raised them, so an event leaves if and only if its change commits.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{ErrorPersistencia, EventoDominio};
use seedwork_infraestructura::{ManejadoresEventos, MensajeSaliente, TransaccionDiesel};
use serde::Serialize;
use vuelos_dominio::{
    IdCliente, IdReserva, ReservaAprobada, ReservaCancelada, ReservaCreada, ReservaPagada,
};

/// What every reservation integration event says.
#[derive(Debug, Serialize)]
pub struct CargaEventoReserva {
    pub id_reserva: String,
    pub id_cliente: Option<String>,
    pub estado: &'static str,
    /// Milliseconds since the epoch.
    pub fecha: i64,
}

/// A domain event that leaves the module as an integration event.
pub trait EventoDeIntegracion: EventoDominio {
    /// The topic it is published on (a contract with other services).
    const TOPICO: &'static str;
    /// The record type.
    const TIPO: &'static str;
    fn reserva(&self) -> (IdReserva, Option<IdCliente>);
    fn estado(&self) -> &'static str;
    fn fecha(&self) -> DateTime<Utc>;

    fn carga(&self) -> CargaEventoReserva {
        let (id_reserva, id_cliente) = self.reserva();
        CargaEventoReserva {
            id_reserva: id_reserva.to_string(),
            id_cliente: id_cliente.map(|id| id.to_string()),
            estado: self.estado(),
            fecha: self.fecha().timestamp_millis(),
        }
    }
}

impl EventoDeIntegracion for ReservaCreada {
    const TOPICO: &'static str = "persistent://public/default/eventos-reserva";
    const TIPO: &'static str = "EventoReservaCreada";
    fn reserva(&self) -> (IdReserva, Option<IdCliente>) {
        (self.id_reserva, self.id_cliente)
    }
    fn estado(&self) -> &'static str {
        self.estado.as_str()
    }
    fn fecha(&self) -> DateTime<Utc> {
        self.fecha_creacion
    }
}

macro_rules! evento_de_ciclo_de_vida {
    ($tipo:ident, $topico:literal, $registro:literal, $estado:literal) => {
        impl EventoDeIntegracion for $tipo {
            const TOPICO: &'static str = $topico;
            const TIPO: &'static str = $registro;
            fn reserva(&self) -> (IdReserva, Option<IdCliente>) {
                (self.id_reserva, self.id_cliente)
            }
            fn estado(&self) -> &'static str {
                $estado
            }
            fn fecha(&self) -> DateTime<Utc> {
                self.fecha_evento
            }
        }
    };
}

evento_de_ciclo_de_vida!(
    ReservaAprobada,
    "persistent://public/default/eventos-reserva-aprobada",
    "EventoReservaAprobada",
    "Aprobada"
);
evento_de_ciclo_de_vida!(
    ReservaCancelada,
    "persistent://public/default/eventos-reserva-cancelada",
    "EventoReservaCancelada",
    "Cancelada"
);
evento_de_ciclo_de_vida!(
    ReservaPagada,
    "persistent://public/default/eventos-reserva-pagada",
    "EventoReservaPagada",
    "Pagada"
);

/// Writes the integration message of a domain event to the outbox, keyed by reservation so
/// that the events of one reservation stay in order.
pub fn al_outbox<E: EventoDeIntegracion>(
    evento: &E,
    tx: &mut TransaccionDiesel,
) -> Result<(), ErrorUnidadTrabajo> {
    let carga = serde_json::to_vec(&evento.carga())
        .map_err(|e| ErrorPersistencia::Inesperado(e.to_string()))?;
    let mensaje = MensajeSaliente {
        id_mensaje: evento.id_evento(),
        topico: E::TOPICO.to_owned(),
        tipo: E::TIPO.to_owned(),
        clave: Some(evento.reserva().0.to_string()),
        carga,
        propiedades: BTreeMap::new(),
    };
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

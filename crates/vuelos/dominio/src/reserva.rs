//! The Reserva aggregate: a client's reservation of one or more itineraries.

use chrono::{DateTime, Utc};
use seedwork_dominio::{
    validar, AgregacionRaiz, Entidad, EventoDominio, EventosPendientes, ReglaIncumplida,
};
use uuid::Uuid;

use crate::errores::ErrorReserva;
use crate::estado::{AccionReserva, EstadoReserva};
use crate::eventos::{ReservaAprobada, ReservaCancelada, ReservaCreada, ReservaPagada};
use crate::ids::{IdCliente, IdReserva};
use crate::itinerario::Itinerario;
use crate::reglas::NoVacio;

/// A reservation: the aggregate root of the vuelos module.
#[derive(Debug, Clone, PartialEq)]
pub struct Reserva {
    id: IdReserva,
    id_cliente: Option<IdCliente>,
    estado: EstadoReserva,
    itinerarios: Vec<Itinerario>,
    fecha_creacion: DateTime<Utc>,
    fecha_actualizacion: DateTime<Utc>,
    eventos: EventosPendientes,
}

/// The stored state of a reservation, to rebuild it without raising events.
#[derive(Debug, Clone)]
pub struct DatosReserva {
    pub id: IdReserva,
    pub id_cliente: Option<IdCliente>,
    pub estado: EstadoReserva,
    pub itinerarios: Vec<Itinerario>,
    pub fecha_creacion: DateTime<Utc>,
    pub fecha_actualizacion: DateTime<Utc>,
}

impl Reserva {
    /// Creates a pending reservation and raises `ReservaCreada`.
    pub fn crear(
        id: IdReserva,
        id_cliente: Option<IdCliente>,
        itinerarios: Vec<Itinerario>,
        ahora: DateTime<Utc>,
    ) -> Result<Self, ReglaIncumplida> {
        validar(&NoVacio {
            regla: "MinimoUnItinerario",
            que: "itinerario en la reserva",
            elementos: &itinerarios,
        })?;
        let mut reserva = Self::reconstruir(DatosReserva {
            id,
            id_cliente,
            estado: EstadoReserva::Pendiente,
            itinerarios: itinerarios.clone(),
            fecha_creacion: ahora,
            fecha_actualizacion: ahora,
        });
        reserva.eventos.registrar(ReservaCreada {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_reserva: id,
            id_cliente,
            estado: EstadoReserva::Pendiente,
            fecha_creacion: ahora,
            itinerarios,
        });
        Ok(reserva)
    }

    /// Rebuilds a reservation from storage; raises nothing, since nothing happened.
    pub fn reconstruir(datos: DatosReserva) -> Self {
        Self {
            id: datos.id,
            id_cliente: datos.id_cliente,
            estado: datos.estado,
            itinerarios: datos.itinerarios,
            fecha_creacion: datos.fecha_creacion,
            fecha_actualizacion: datos.fecha_actualizacion,
            eventos: EventosPendientes::default(),
        }
    }

    /// `Pendiente -> Aprobada`; raises `ReservaAprobada`.
    pub fn aprobar(&mut self, ahora: DateTime<Utc>) -> Result<(), ErrorReserva> {
        self.transitar(AccionReserva::Aprobar, ahora)?;
        let (id_reserva, id_cliente) = (self.id, self.id_cliente);
        self.eventos.registrar(ReservaAprobada {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_reserva,
            id_cliente,
        });
        Ok(())
    }

    /// `Pendiente | Aprobada -> Cancelada`; raises `ReservaCancelada`.
    pub fn cancelar(&mut self, ahora: DateTime<Utc>) -> Result<(), ErrorReserva> {
        self.transitar(AccionReserva::Cancelar, ahora)?;
        let (id_reserva, id_cliente) = (self.id, self.id_cliente);
        self.eventos.registrar(ReservaCancelada {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_reserva,
            id_cliente,
        });
        Ok(())
    }

    /// `Aprobada -> Pagada`; raises `ReservaPagada`.
    pub fn pagar(&mut self, ahora: DateTime<Utc>) -> Result<(), ErrorReserva> {
        self.transitar(AccionReserva::Pagar, ahora)?;
        let (id_reserva, id_cliente) = (self.id, self.id_cliente);
        self.eventos.registrar(ReservaPagada {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_reserva,
            id_cliente,
        });
        Ok(())
    }

    /// Runs one action of the lifecycle on this reservation.
    pub fn ejecutar(
        &mut self,
        accion: AccionReserva,
        ahora: DateTime<Utc>,
    ) -> Result<(), ErrorReserva> {
        match accion {
            AccionReserva::Aprobar => self.aprobar(ahora),
            AccionReserva::Cancelar => self.cancelar(ahora),
            AccionReserva::Pagar => self.pagar(ahora),
        }
    }

    fn transitar(
        &mut self,
        accion: AccionReserva,
        ahora: DateTime<Utc>,
    ) -> Result<(), ErrorReserva> {
        self.estado = self
            .estado
            .tras(accion)
            .ok_or(ErrorReserva::TransicionInvalida {
                estado: self.estado,
                accion,
            })?;
        self.fecha_actualizacion = ahora;
        Ok(())
    }

    pub fn id_cliente(&self) -> Option<IdCliente> {
        self.id_cliente
    }

    pub fn estado(&self) -> EstadoReserva {
        self.estado
    }

    pub fn itinerarios(&self) -> &[Itinerario] {
        &self.itinerarios
    }
}

impl Entidad for Reserva {
    type Id = IdReserva;

    fn id(&self) -> IdReserva {
        self.id
    }

    fn fecha_creacion(&self) -> DateTime<Utc> {
        self.fecha_creacion
    }

    fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.fecha_actualizacion
    }
}

impl AgregacionRaiz for Reserva {
    fn tomar_eventos(&mut self) -> Vec<Box<dyn EventoDominio>> {
        self.eventos.tomar()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::itinerario::tests::itinerario_bog_cdg;
    use crate::leg::tests::fecha;

    fn reserva_pendiente() -> Reserva {
        let mut reserva = Reserva::crear(
            IdReserva::nuevo(),
            Some(IdCliente::nuevo()),
            vec![itinerario_bog_cdg()],
            fecha(1, 8),
        )
        .unwrap();
        reserva.tomar_eventos();
        reserva
    }

    fn nombres(eventos: &[Box<dyn EventoDominio>]) -> Vec<&'static str> {
        eventos.iter().map(|e| e.nombre()).collect()
    }

    #[test]
    fn given_an_itinerary_when_creating_a_reservation_then_it_is_pending_and_raises_reserva_creada()
    {
        let id = IdReserva::nuevo();
        let mut reserva =
            Reserva::crear(id, None, vec![itinerario_bog_cdg()], fecha(1, 8)).unwrap();
        assert_eq!(reserva.estado(), EstadoReserva::Pendiente);
        let eventos = reserva.tomar_eventos();
        assert_eq!(nombres(&eventos), ["ReservaCreada"]);
        let creada = eventos[0]
            .como_any()
            .downcast_ref::<ReservaCreada>()
            .unwrap();
        assert_eq!(creada.id_reserva, id);
        assert_eq!(creada.fecha_creacion, fecha(1, 8));
        assert!(
            reserva.tomar_eventos().is_empty(),
            "events are handed over once"
        );
    }

    #[test]
    fn given_no_itinerary_when_creating_a_reservation_then_the_rule_fails() {
        let error = Reserva::crear(IdReserva::nuevo(), None, vec![], fecha(1, 8)).unwrap_err();
        assert_eq!(error.regla, "MinimoUnItinerario");
    }

    #[test]
    fn given_a_pending_reservation_when_approving_then_it_is_approved_and_raises_reserva_aprobada()
    {
        let mut reserva = reserva_pendiente();
        reserva.aprobar(fecha(2, 8)).unwrap();
        assert_eq!(reserva.estado(), EstadoReserva::Aprobada);
        assert_eq!(reserva.fecha_actualizacion(), fecha(2, 8));
        assert_eq!(nombres(&reserva.tomar_eventos()), ["ReservaAprobada"]);
    }

    #[test]
    fn given_an_approved_reservation_when_paying_then_it_is_paid_and_raises_reserva_pagada() {
        let mut reserva = reserva_pendiente();
        reserva.aprobar(fecha(2, 8)).unwrap();
        reserva.pagar(fecha(3, 8)).unwrap();
        assert_eq!(reserva.estado(), EstadoReserva::Pagada);
        assert_eq!(
            nombres(&reserva.tomar_eventos()),
            ["ReservaAprobada", "ReservaPagada"]
        );
    }

    #[test]
    fn given_a_pending_or_approved_reservation_when_cancelling_then_it_is_cancelled() {
        let mut pendiente = reserva_pendiente();
        pendiente.cancelar(fecha(2, 8)).unwrap();
        assert_eq!(pendiente.estado(), EstadoReserva::Cancelada);
        assert_eq!(nombres(&pendiente.tomar_eventos()), ["ReservaCancelada"]);

        let mut aprobada = reserva_pendiente();
        aprobada.aprobar(fecha(2, 8)).unwrap();
        aprobada.cancelar(fecha(2, 9)).unwrap();
        assert_eq!(aprobada.estado(), EstadoReserva::Cancelada);
    }

    #[test]
    fn given_a_pending_reservation_when_paying_then_the_transition_is_refused_and_nothing_changes()
    {
        let mut reserva = reserva_pendiente();
        let antes = reserva.clone();
        let error = reserva.pagar(fecha(2, 8)).unwrap_err();
        assert_eq!(
            error,
            ErrorReserva::TransicionInvalida {
                estado: EstadoReserva::Pendiente,
                accion: AccionReserva::Pagar
            }
        );
        assert_eq!(reserva, antes);
        assert!(reserva.tomar_eventos().is_empty());
    }

    #[test]
    fn given_a_paid_reservation_when_cancelling_then_the_transition_is_refused() {
        let mut reserva = reserva_pendiente();
        reserva
            .ejecutar(AccionReserva::Aprobar, fecha(2, 8))
            .unwrap();
        reserva.ejecutar(AccionReserva::Pagar, fecha(2, 9)).unwrap();
        assert!(matches!(
            reserva.cancelar(fecha(3, 1)),
            Err(ErrorReserva::TransicionInvalida {
                estado: EstadoReserva::Pagada,
                ..
            })
        ));
    }

    #[test]
    fn given_a_cancelled_reservation_when_approving_then_the_transition_is_refused() {
        let mut reserva = reserva_pendiente();
        reserva.cancelar(fecha(2, 8)).unwrap();
        assert!(reserva.aprobar(fecha(3, 1)).is_err());
    }

    #[test]
    fn a_rebuilt_reservation_raises_no_events() {
        let original = reserva_pendiente();
        let mut copia = Reserva::reconstruir(DatosReserva {
            id: original.id(),
            id_cliente: original.id_cliente(),
            estado: original.estado(),
            itinerarios: original.itinerarios().to_vec(),
            fecha_creacion: original.fecha_creacion(),
            fecha_actualizacion: original.fecha_actualizacion(),
        });
        assert!(copia.tomar_eventos().is_empty());
        assert_eq!(copia, original);
    }
}

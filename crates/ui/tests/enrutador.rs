//! The router of the ui: an event reaches only the sessions that asked about its
//! reservation, one nobody waits for is dropped, and a session that does not read its
//! queue is dropped without holding anyone else back.

use std::time::Duration;

use tokio::sync::mpsc::error::TryRecvError;
use ui::{Enrutador, Salida};
use uuid::Uuid;

fn evento(id: Uuid, nombre: &'static str) -> Salida {
    Salida::Evento {
        id,
        evento: nombre,
        estado: "Pendiente",
        fecha: "2027-03-10T22:05:00+00:00".into(),
    }
}

#[test]
fn an_event_reaches_only_the_session_that_asked_about_its_reservation() {
    let enrutador = Enrutador::default();
    let (a, mut cola_a) = enrutador.abrir_sesion();
    let (b, mut cola_b) = enrutador.abrir_sesion();
    let (reserva_a, reserva_b) = (Uuid::new_v4(), Uuid::new_v4());
    enrutador.esperar(a, reserva_a);
    enrutador.esperar(b, reserva_b);

    let entrega = enrutador.entregar(reserva_a, evento(reserva_a, "Creada"));

    assert_eq!(entrega.entregadas, 1);
    assert_eq!(cola_a.try_recv().unwrap(), evento(reserva_a, "Creada"));
    assert_eq!(cola_a.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(cola_b.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn two_sessions_waiting_for_the_same_reservation_both_receive_its_event() {
    let enrutador = Enrutador::default();
    let (a, mut cola_a) = enrutador.abrir_sesion();
    let (b, mut cola_b) = enrutador.abrir_sesion();
    let reserva = Uuid::new_v4();
    enrutador.esperar(a, reserva);
    enrutador.esperar(b, reserva);

    assert_eq!(
        enrutador
            .entregar(reserva, evento(reserva, "Aprobada"))
            .entregadas,
        2
    );
    assert!(cola_a.try_recv().is_ok());
    assert!(cola_b.try_recv().is_ok());
}

#[test]
fn an_event_nobody_waits_for_is_dropped() {
    let enrutador = Enrutador::new(Enrutador::CAPACIDAD, Duration::ZERO);
    let (a, mut cola_a) = enrutador.abrir_sesion();
    let de_nadie = Uuid::new_v4();

    let entrega = enrutador.entregar(de_nadie, evento(de_nadie, "Creada"));
    // Claiming the reservation afterwards brings nothing back.
    enrutador.esperar(a, de_nadie);

    assert_eq!(entrega.entregadas, 0);
    assert_eq!(cola_a.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn an_event_that_overtakes_the_acceptance_reaches_the_session_that_claims_it_in_time() {
    let enrutador = Enrutador::default();
    let (a, mut cola_a) = enrutador.abrir_sesion();
    let (b, mut cola_b) = enrutador.abrir_sesion();
    let reserva = Uuid::new_v4();

    enrutador.entregar(reserva, evento(reserva, "Creada"));
    enrutador.esperar(a, reserva);
    enrutador.esperar(b, reserva);

    assert_eq!(cola_a.try_recv().unwrap(), evento(reserva, "Creada"));
    // Kept for one claim only: it is not a broadcast.
    assert_eq!(cola_b.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_session_whose_queue_is_full_is_dropped_and_the_others_still_receive() {
    let enrutador = Enrutador::new(2, Enrutador::RETENCION);
    let (lenta, mut cola_lenta) = enrutador.abrir_sesion();
    let (atenta, mut cola_atenta) = enrutador.abrir_sesion();
    let reserva = Uuid::new_v4();
    enrutador.esperar(lenta, reserva);
    enrutador.esperar(atenta, reserva);

    let mut ultima = Default::default();
    for _ in 0..5 {
        ultima = enrutador.entregar(reserva, evento(reserva, "Aprobada"));
        // The attentive session reads as events come.
        assert!(cola_atenta.try_recv().is_ok());
    }

    assert_eq!(ultima.entregadas, 1);
    assert_eq!(enrutador.sesiones(), 1);
    assert_eq!(enrutador.interesados_en(reserva), 1);
    // The slow one gets what was queued before it was dropped, then its queue ends.
    assert!(cola_lenta.try_recv().is_ok());
    assert!(cola_lenta.try_recv().is_ok());
    assert_eq!(cola_lenta.try_recv(), Err(TryRecvError::Disconnected));
    // Replies to it are refused from then on.
    assert!(!enrutador.responder(lenta, evento(reserva, "Pagada")));
}

#[test]
fn a_closed_session_is_forgotten_with_its_reservations() {
    let enrutador = Enrutador::default();
    let (a, _cola) = enrutador.abrir_sesion();
    let reserva = Uuid::new_v4();
    enrutador.esperar(a, reserva);

    enrutador.cerrar_sesion(a);

    assert_eq!(enrutador.sesiones(), 0);
    assert_eq!(enrutador.interesados_en(reserva), 0);
    assert!(!enrutador.esperar(a, reserva));
}

#[test]
fn stopping_ends_every_sessions_queue() {
    let enrutador = Enrutador::default();
    let (_, mut cola_a) = enrutador.abrir_sesion();
    let (_, mut cola_b) = enrutador.abrir_sesion();

    enrutador.cerrar_todas();

    assert_eq!(cola_a.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(cola_b.try_recv(), Err(TryRecvError::Disconnected));
}

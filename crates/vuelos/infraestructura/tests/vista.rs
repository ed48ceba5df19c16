//! The read model of a query service and its projection, on real SQLite and PostgreSQL:
//! the messages of one reservation travel on separate topics and arrive in any order, and
//! any order (and any redelivery) leaves the same answers.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use seedwork_mensajeria::{Desenlace, ManejadorMensajes, MensajeEntrante};
use seedwork_persistencia::{
    ManejadoresEventos, MensajeEnCurso, MensajeSaliente, UnidadTrabajoDiesel,
};
use seedwork_pruebas::bases;
use vuelos_aplicacion::comandos::{ComandoReserva, CrearReserva, PagarReserva};
use vuelos_aplicacion::{ConsultaReserva, ConsultasVista, ConsultasVuelos};
use vuelos_contrato::Metadatos;
use vuelos_dominio::{
    AccionReserva, EstadoReserva, FiltroReservas, IdCliente, IdReserva, Pagina, ReservaAprobada,
    ReservaCreada, ReservaPagada,
};
use vuelos_infraestructura::integracion::{comando_al_outbox, evento_al_outbox, rechazo_al_outbox};
use vuelos_infraestructura::vista::proyeccion::ProyeccionVista;
use vuelos_infraestructura::{FabricaVistaDiesel, MIGRACIONES_VISTA};

mod comun;

use comun::itinerario;

const MIGRACIONES: [seedwork_persistencia::Migraciones; 2] =
    [seedwork_persistencia::MIGRACIONES, MIGRACIONES_VISTA];

/// A message as the consumer hands it over, from what the outbox would publish.
fn entrante(mensaje: &MensajeSaliente) -> MensajeEntrante {
    MensajeEntrante {
        topico: mensaje.topico.clone(),
        id_broker: format!("broker-{}", mensaje.id_mensaje),
        carga: mensaje.carga.clone(),
        clave: mensaje.clave.clone(),
        propiedades: mensaje.propiedades.clone(),
        esquema_escritor: None,
        reintentos: 0,
    }
}

/// The messages of one reservation's life: its asynchronous creation (the command and
/// the event it caused), approval, and an asynchronous payment (its command and event).
struct Vida {
    id: IdReserva,
    comando: MensajeSaliente,
    creada: MensajeSaliente,
    aprobada: MensajeSaliente,
    pago: MensajeSaliente,
    pagada: MensajeSaliente,
}

fn vida() -> Vida {
    let id = IdReserva::nuevo();
    let cliente = IdCliente::nuevo();
    let hora = |minuto| Utc.with_ymd_and_hms(2026, 12, 1, 10, minuto, 0).unwrap();
    let crear = ComandoReserva::Crear(CrearReserva {
        id,
        id_cliente: Some(cliente),
        itinerarios: vec![itinerario()],
        fecha_creacion: hora(0),
    });
    let comando = comando_al_outbox(&crear, &Metadatos::nuevos()).unwrap();
    let causa = |mensaje: &MensajeSaliente| {
        MensajeEnCurso::new(mensaje.id_mensaje.to_string(), mensaje.tipo.clone())
    };
    let creada = evento_al_outbox(
        &ReservaCreada {
            id_evento: uuid::Uuid::now_v7(),
            fecha_evento: hora(0),
            id_reserva: id,
            id_cliente: Some(cliente),
            estado: EstadoReserva::Pendiente,
            fecha_creacion: hora(0),
            itinerarios: vec![itinerario()],
        },
        Some(&causa(&comando)),
    )
    .unwrap();
    let aprobada = evento_al_outbox(
        &ReservaAprobada {
            id_evento: uuid::Uuid::now_v7(),
            fecha_evento: hora(1),
            id_reserva: id,
            id_cliente: Some(cliente),
        },
        None,
    )
    .unwrap();
    let pago = comando_al_outbox(
        &ComandoReserva::Pagar(PagarReserva { id }),
        &Metadatos::nuevos(),
    )
    .unwrap();
    let pagada = evento_al_outbox(
        &ReservaPagada {
            id_evento: uuid::Uuid::now_v7(),
            fecha_evento: hora(2),
            id_reserva: id,
            id_cliente: Some(cliente),
        },
        Some(&causa(&pago)),
    )
    .unwrap();
    Vida {
        id,
        comando,
        creada,
        aprobada,
        pago,
        pagada,
    }
}

struct Vista {
    proyeccion: ProyeccionVista,
    consultas: ConsultasVista<UnidadTrabajoDiesel, FabricaVistaDiesel>,
    _base: bases::BaseDePrueba,
}

fn vistas() -> Vec<Vista> {
    bases::todas(&MIGRACIONES)
        .into_iter()
        .map(|base| {
            let uow =
                UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()));
            Vista {
                proyeccion: ProyeccionVista::new(uow.clone()),
                consultas: ConsultasVista::new(uow, FabricaVistaDiesel),
                _base: base,
            }
        })
        .collect()
}

impl Vista {
    async fn recibir(&self, mensaje: &MensajeSaliente) {
        assert_eq!(
            self.proyeccion.manejar(entrante(mensaje)).await,
            Desenlace::Procesado,
            "{}",
            mensaje.tipo
        );
    }

    async fn consultar(&self, id: IdReserva) -> ConsultaReserva {
        self.consultas.consultar(id).await.unwrap()
    }
}

#[tokio::test]
async fn an_accepted_command_is_in_process_until_its_creation_arrives() {
    for vista in vistas() {
        let vida = vida();
        assert!(vista.consultas.consultar(vida.id).await.is_err(), "unknown");
        vista.recibir(&vida.comando).await;
        assert_eq!(vista.consultar(vida.id).await, ConsultaReserva::EnProceso);
        vista.recibir(&vida.creada).await;
        match vista.consultar(vida.id).await {
            ConsultaReserva::Existe(reserva) => {
                assert_eq!(reserva.estado, "Pendiente");
                assert_eq!(reserva.itinerarios.len(), 1);
                assert_eq!(reserva.ultima_solicitud, None);
            }
            otra => panic!("expected the reservation, got {otra:?}"),
        }
    }
}

#[tokio::test]
async fn the_messages_of_a_reservation_in_any_order_and_twice_give_the_same_answer() {
    for vista in vistas() {
        let mut respuestas = Vec::new();
        // Every order of the five messages that matter to the answer.
        let ordenes: [[usize; 5]; 6] = [
            [0, 1, 2, 3, 4],
            [4, 3, 2, 1, 0],
            [2, 4, 0, 3, 1],
            [1, 2, 3, 4, 0],
            [3, 0, 4, 1, 2],
            [4, 0, 2, 1, 3],
        ];
        for orden in ordenes {
            let vida = vida();
            let mensajes = [
                &vida.comando,
                &vida.creada,
                &vida.aprobada,
                &vida.pago,
                &vida.pagada,
            ];
            for &i in &orden {
                vista.recibir(mensajes[i]).await;
            }
            // A redelivery of everything changes nothing.
            for mensaje in mensajes {
                vista.recibir(mensaje).await;
            }
            let ConsultaReserva::Existe(mut reserva) = vista.consultar(vida.id).await else {
                panic!("order {orden:?}: not created");
            };
            assert_eq!(reserva.estado, "Pagada", "order {orden:?}");
            let ultima = reserva
                .ultima_solicitud
                .take()
                .expect("the payment's request");
            assert_eq!(
                (ultima.accion.as_str(), ultima.estado.as_str()),
                ("pagar", "Aplicada")
            );
            reserva.id = String::new();
            reserva.id_cliente = None;
            respuestas.push(reserva);
        }
        respuestas.dedup();
        assert_eq!(respuestas.len(), 1, "one answer whatever the order");
        let listadas = vista
            .consultas
            .listar(
                FiltroReservas::ConEstado(EstadoReserva::Pagada),
                Pagina::default(),
            )
            .await
            .unwrap();
        assert_eq!(listadas.len(), 6);
    }
}

#[tokio::test]
async fn a_refusal_answers_the_request_whether_it_arrives_before_or_after_its_command() {
    for vista in vistas() {
        for refusal_first in [true, false] {
            let vida = vida();
            vista.recibir(&vida.comando).await;
            vista.recibir(&vida.creada).await;
            let rechazo = rechazo_al_outbox(
                vida.id,
                Some(AccionReserva::Pagar),
                "no se puede pagar una reserva en estado Pendiente",
                &vida.pago.id_mensaje.to_string(),
                None,
            )
            .unwrap();
            let orden = if refusal_first {
                [&rechazo, &vida.pago]
            } else {
                [&vida.pago, &rechazo]
            };
            for mensaje in orden {
                vista.recibir(mensaje).await;
            }
            let ConsultaReserva::Existe(reserva) = vista.consultar(vida.id).await else {
                panic!("not created");
            };
            let ultima = reserva.ultima_solicitud.expect("the payment's request");
            assert_eq!(ultima.estado, "Rechazada");
            assert!(ultima.error.unwrap().contains("Pendiente"));
            assert_eq!(reserva.estado, "Pendiente");
        }
        // A creation refused: its request answers the refusal.
        let vida = vida();
        let rechazo = rechazo_al_outbox(
            vida.id,
            None,
            "el cliente no existe",
            &vida.comando.id_mensaje.to_string(),
            None,
        )
        .unwrap();
        vista.recibir(&rechazo).await;
        vista.recibir(&vida.comando).await;
        assert_eq!(
            vista.consultar(vida.id).await,
            ConsultaReserva::Rechazada {
                razon: "el cliente no existe".into()
            }
        );
    }
}

#[tokio::test]
async fn a_message_that_can_never_be_applied_is_dead_lettered() {
    for vista in vistas() {
        let mut mensaje = entrante(&vida().creada);
        mensaje.carga = vec![0xff; 3];
        assert!(matches!(
            vista.proyeccion.manejar(mensaje).await,
            Desenlace::Rechazado(_)
        ));
        let mut ajeno = entrante(&vida().creada);
        ajeno.topico = "persistent://public/default/otro".into();
        assert!(matches!(
            vista.proyeccion.manejar(ajeno).await,
            Desenlace::Rechazado(_)
        ));
    }
}

#[test]
fn a_database_keeps_one_generation_that_replicas_starting_together_share() {
    for prueba in bases::todas(&MIGRACIONES) {
        let hilos: Vec<_> = (0..4)
            .map(|_| {
                let base = prueba.base.clone();
                std::thread::spawn(move || {
                    let mut conexion = base.conexion().unwrap();
                    vuelos_infraestructura::vista::generacion(&mut conexion).unwrap()
                })
            })
            .collect();
        let mut generaciones: Vec<String> =
            hilos.into_iter().map(|hilo| hilo.join().unwrap()).collect();
        generaciones.dedup();
        assert_eq!(generaciones.len(), 1, "{}", prueba.nombre);
        let otra = bases::sqlite(&MIGRACIONES);
        let mut conexion = otra.base.conexion().unwrap();
        assert_ne!(
            vuelos_infraestructura::vista::generacion(&mut conexion).unwrap(),
            generaciones[0],
            "a new database is a new generation"
        );
    }
}

//! The vuelos routes over a fake application port: what each route asks of the
//! application, and how it answers what the application says, with no database or broker.

mod comun;

use std::sync::{Arc, Mutex};

use actix_web::http::header::AUTHORIZATION;
use actix_web::http::StatusCode;
use actix_web::test;
use aeroalpes_api::Contexto;
use async_trait::async_trait;
use serde_json::{json, Value};
use vuelos_aplicacion::comandos::{ComandoReserva, PagarReserva};
use vuelos_aplicacion::dto::ReservaDTO;
use vuelos_aplicacion::{ConsultaReserva, ConsultasVuelos, Conversacion, ErrorVuelos, Vuelos};
use vuelos_dominio::{EstadoReserva, FiltroReservas, IdReserva, Pagina};

use crate::comun::{app, contexto, Ajeno, PERSONAL};

/// What the routes asked of the application.
#[derive(Debug, Clone, PartialEq)]
enum Pedido {
    Ejecutar(ComandoReserva),
    Enviar(ComandoReserva, Conversacion),
    Consultar(IdReserva),
    Listar(FiltroReservas, Pagina),
}

/// An application that notes every call and answers `consulta` to queries.
struct Fake {
    pedidos: Mutex<Vec<Pedido>>,
    consulta: ConsultaReserva,
}

impl Fake {
    fn pedidos(&self) -> Vec<Pedido> {
        self.pedidos.lock().unwrap().clone()
    }

    fn anotar(&self, pedido: Pedido) {
        self.pedidos.lock().unwrap().push(pedido);
    }
}

#[async_trait]
impl Vuelos for Fake {
    async fn ejecutar(&self, comando: ComandoReserva) -> Result<ReservaDTO, ErrorVuelos> {
        let id = comando.id_reserva();
        self.anotar(Pedido::Ejecutar(comando));
        Err(ErrorVuelos::NoEncontrada(id))
    }

    async fn enviar(
        &self,
        comando: ComandoReserva,
        conversacion: Conversacion,
    ) -> Result<IdReserva, ErrorVuelos> {
        let id = comando.id_reserva();
        self.anotar(Pedido::Enviar(comando, conversacion));
        Ok(id)
    }
}

#[async_trait]
impl ConsultasVuelos for Fake {
    async fn consultar(&self, id: IdReserva) -> Result<ConsultaReserva, ErrorVuelos> {
        self.anotar(Pedido::Consultar(id));
        Ok(self.consulta.clone())
    }

    async fn listar(
        &self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorVuelos> {
        self.anotar(Pedido::Listar(filtro, pagina));
        Ok(Vec::new())
    }
}

fn fake(consulta: ConsultaReserva) -> Arc<Fake> {
    Arc::new(Fake {
        pedidos: Mutex::new(Vec::new()),
        consulta,
    })
}

/// A context over `fake`, whose routes reach no clientes module.
fn con_vuelos(fake: &Arc<Fake>) -> Contexto {
    contexto(fake.clone(), Arc::new(Ajeno))
}

fn cuerpo_reserva() -> Value {
    json!({"itinerarios": [{"odos": [{"segmentos": [{"legs": [{
        "fecha_salida": "2027-03-10T22:05:00Z",
        "fecha_llegada": "2027-03-11T14:40:00Z",
        "origen": {"codigo": "BOG", "nombre": "El Dorado"},
        "destino": {"codigo": "MAD", "nombre": "Barajas"}
    }]}]}]}]})
}

#[actix_web::test]
async fn an_asynchronous_creation_is_sent_with_the_request_id_and_answered_202_with_its_location() {
    let fake = fake(ConsultaReserva::EnProceso);
    let app = app!(con_vuelos(&fake));

    let respuesta = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/vuelos/reserva-commando")
            .set_json(cuerpo_reserva())
            .to_request(),
    )
    .await;

    assert_eq!(respuesta.status(), StatusCode::ACCEPTED);
    let ubicacion = respuesta
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let cuerpo: Value = test::read_body_json(respuesta).await;
    let pedidos = fake.pedidos();
    let [Pedido::Enviar(ComandoReserva::Crear(comando), conversacion)] = pedidos.as_slice() else {
        panic!("one creation sent: {pedidos:?}");
    };
    assert_eq!(cuerpo["id"], comando.id.to_string());
    assert_eq!(ubicacion, format!("/vuelos/reserva-query/{}", comando.id));
    assert_eq!(comando.itinerarios.len(), 1);
    assert_eq!(comando.id_cliente, None);
    assert!(
        conversacion.correlation_id.is_some(),
        "the request id opens the conversation"
    );
}

#[actix_web::test]
async fn a_lifecycle_action_becomes_its_command_and_an_unknown_one_reaches_nobody() {
    let fake = fake(ConsultaReserva::EnProceso);
    let app = app!(con_vuelos(&fake));
    let id = IdReserva::nuevo();

    // Still in process: only staff may act on it.
    let pagar = test::TestRequest::post()
        .uri(&format!("/vuelos/reserva-commando/{id}/pagar"))
        .insert_header((AUTHORIZATION, format!("Bearer {PERSONAL}")))
        .to_request();
    assert_eq!(
        test::call_service(&app, pagar).await.status(),
        StatusCode::ACCEPTED
    );
    let volar = test::TestRequest::post()
        .uri(&format!("/vuelos/reserva/{id}/volar"))
        .to_request();
    assert_eq!(
        test::call_service(&app, volar).await.status(),
        StatusCode::NOT_FOUND
    );
    let sincrona = test::TestRequest::post()
        .uri(&format!("/vuelos/reserva/{id}/pagar"))
        .insert_header((AUTHORIZATION, format!("Bearer {PERSONAL}")))
        .to_request();
    assert_eq!(
        test::call_service(&app, sincrona).await.status(),
        StatusCode::NOT_FOUND,
        "the application's NoEncontrada is a 404"
    );
    // Anyone else gets 409 while it is in process: its client is not known yet.
    let anonima = test::TestRequest::post()
        .uri(&format!("/vuelos/reserva/{id}/pagar"))
        .to_request();
    assert_eq!(
        test::call_service(&app, anonima).await.status(),
        StatusCode::CONFLICT
    );

    // Each change reads the reservation's client first.
    let pedidos: Vec<Pedido> = fake
        .pedidos()
        .into_iter()
        .filter(|pedido| !matches!(pedido, Pedido::Consultar(_)))
        .collect();
    assert_eq!(pedidos.len(), 2, "{pedidos:?}");
    assert!(matches!(
        &pedidos[0],
        Pedido::Enviar(ComandoReserva::Pagar(PagarReserva { id: enviado }), _) if *enviado == id
    ));
    assert_eq!(
        pedidos[1],
        Pedido::Ejecutar(ComandoReserva::Pagar(PagarReserva { id }))
    );
}

#[actix_web::test]
async fn a_request_in_process_is_202_and_a_refused_one_422_with_its_reason() {
    let id = IdReserva::nuevo();
    let en_proceso = fake(ConsultaReserva::EnProceso);
    let app = app!(con_vuelos(&en_proceso));
    let consulta = || {
        test::TestRequest::get()
            .uri(&format!("/vuelos/reserva-query/{id}"))
            .to_request()
    };
    let respuesta = test::call_service(&app, consulta()).await;
    assert_eq!(respuesta.status(), StatusCode::ACCEPTED);
    let cuerpo: Value = test::read_body_json(respuesta).await;
    assert_eq!(cuerpo, json!({"id": id.to_string(), "estado": "EnProceso"}));

    let rechazada = fake(ConsultaReserva::Rechazada {
        razon: "sin itinerarios".into(),
    });
    let app = app!(con_vuelos(&rechazada));
    let respuesta = test::call_service(&app, consulta()).await;
    assert_eq!(respuesta.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cuerpo: Value = test::read_body_json(respuesta).await;
    assert_eq!(cuerpo["estado"], "Rechazada");
    assert_eq!(cuerpo["error"], "sin itinerarios");
    assert_eq!(rechazada.pedidos(), [Pedido::Consultar(id)]);
}

#[actix_web::test]
async fn listing_filters_become_the_applications_filter_and_contradictions_reach_nobody() {
    let fake = fake(ConsultaReserva::EnProceso);
    let app = app!(con_vuelos(&fake));

    let pagadas = test::TestRequest::get()
        .uri("/vuelos/reserva-query?estado=Pagada&limite=5000")
        .insert_header((AUTHORIZATION, format!("Bearer {PERSONAL}")))
        .to_request();
    assert_eq!(
        test::call_service(&app, pagadas).await.status(),
        StatusCode::OK
    );
    let ambas = test::TestRequest::get()
        .uri("/vuelos/reserva-query?estado=Pagada&no_pagadas=true")
        .insert_header((AUTHORIZATION, format!("Bearer {PERSONAL}")))
        .to_request();
    assert_eq!(
        test::call_service(&app, ambas).await.status(),
        StatusCode::BAD_REQUEST
    );

    assert_eq!(
        fake.pedidos(),
        [Pedido::Listar(
            FiltroReservas::ConEstado(EstadoReserva::Pagada),
            Pagina {
                limite: Pagina::LIMITE_MAXIMO,
                desplazamiento: 0
            }
        )]
    );
}

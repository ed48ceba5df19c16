//! The adaptador between a tonic client and a real AeroAlpes: reservations created and
//! read back over gRPC, every error mapping, and the health service.

mod ayudantes;

use adaptador::proto::QueryReserva;
use ayudantes::*;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;

#[tokio::test]
async fn a_reservation_created_over_grpc_reads_back_the_same() {
    let aeroalpes = spawn_aeroalpes().await;
    let mut cliente = cliente(&spawn_adaptador(&aeroalpes.direccion).await).await;

    let creada = cliente
        .crear_reserva(reserva(itinerarios_del_tutorial()))
        .await
        .expect("CrearReserva succeeds")
        .into_inner();
    assert_eq!(creada.mensaje, "OK");
    let creada = creada.reserva.expect("the created reservation");
    assert_eq!(creada.itinerarios, itinerarios_del_tutorial());
    assert!(creada.fecha_creacion.is_some());
    assert!(creada.fecha_actualizacion.is_some());
    let id = creada.id.clone().expect("an id");

    let consultada = cliente
        .consultar_reserva(QueryReserva { id })
        .await
        .expect("ConsultarReserva succeeds")
        .into_inner();
    assert_eq!(consultada.mensaje, "OK");
    assert_eq!(consultada.reserva, Some(creada));
}

#[tokio::test]
async fn a_leg_landing_before_it_leaves_is_an_invalid_argument_naming_the_rule() {
    let aeroalpes = spawn_aeroalpes().await;
    let mut cliente = cliente(&spawn_adaptador(&aeroalpes.direccion).await).await;
    let mut itinerarios = itinerarios_del_tutorial();
    let leg = &mut itinerarios[0].odos[0].segmentos[0].legs[0];
    std::mem::swap(&mut leg.fecha_salida, &mut leg.fecha_llegada);

    let estado = cliente
        .crear_reserva(reserva(itinerarios))
        .await
        .expect_err("the rule is broken");
    assert_eq!(estado.code(), Code::InvalidArgument);
    assert!(
        estado.message().contains("LlegadaDespuesDeSalida"),
        "{}",
        estado.message()
    );
}

#[tokio::test]
async fn a_leg_without_a_date_is_an_invalid_argument_naming_the_field() {
    let aeroalpes = spawn_aeroalpes().await;
    let mut cliente = cliente(&spawn_adaptador(&aeroalpes.direccion).await).await;
    let mut itinerarios = itinerarios_del_tutorial();
    itinerarios[0].odos[0].segmentos[0].legs[0].fecha_llegada = None;

    let estado = cliente
        .crear_reserva(reserva(itinerarios))
        .await
        .expect_err("the date is missing");
    assert_eq!(estado.code(), Code::InvalidArgument);
    assert!(
        estado.message().contains("fecha_llegada"),
        "{}",
        estado.message()
    );
}

#[tokio::test]
async fn an_unknown_id_is_not_found_and_a_malformed_one_an_invalid_argument() {
    let aeroalpes = spawn_aeroalpes().await;
    let mut cliente = cliente(&spawn_adaptador(&aeroalpes.direccion).await).await;

    let estado = cliente
        .consultar_reserva(QueryReserva {
            id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .expect_err("no such reservation");
    assert_eq!(estado.code(), Code::NotFound);

    for id in ["no-es-un-id", "", "../health"] {
        let estado = cliente
            .consultar_reserva(QueryReserva { id: id.into() })
            .await
            .expect_err("not an id");
        assert_eq!(estado.code(), Code::InvalidArgument, "{id:?}");
    }
}

#[tokio::test]
async fn without_aeroalpes_every_call_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let libre = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let direccion = format!("127.0.0.1:{}", libre.local_addr().unwrap().port());
    drop(libre);
    let mut cliente = cliente(&spawn_adaptador(&direccion).await).await;

    let estado = cliente
        .crear_reserva(reserva(itinerarios_del_tutorial()))
        .await
        .expect_err("AeroAlpes is down");
    assert_eq!(estado.code(), Code::Unavailable);
    let estado = cliente
        .consultar_reserva(QueryReserva {
            id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .expect_err("AeroAlpes is down");
    assert_eq!(estado.code(), Code::Unavailable);
}

#[tokio::test]
async fn the_health_service_reports_the_vuelos_service_serving() {
    let url = spawn_adaptador("127.0.0.1:1").await;
    let mut salud = HealthClient::new(canal(url).await);
    for servicio in ["vuelos.Vuelos", ""] {
        let respuesta = salud
            .check(HealthCheckRequest {
                service: servicio.into(),
            })
            .await
            .expect("the health service answers")
            .into_inner();
        assert_eq!(respuesta.status(), ServingStatus::Serving, "{servicio:?}");
    }
}

#[tokio::test]
async fn reflection_lists_the_vuelos_service() {
    let url = spawn_adaptador("127.0.0.1:1").await;
    let mut reflexion = ServerReflectionClient::new(canal(url).await);
    let pregunta = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut respuestas = reflexion
        .server_reflection_info(tokio_stream::once(pregunta))
        .await
        .expect("the reflection service answers")
        .into_inner();
    let respuesta = respuestas
        .message()
        .await
        .expect("a well-formed answer")
        .expect("one answer");
    let Some(MessageResponse::ListServicesResponse(lista)) = respuesta.message_response else {
        panic!("not a list of services: {respuesta:?}");
    };
    let nombres: Vec<_> = lista.service.into_iter().map(|s| s.name).collect();
    assert!(nombres.iter().any(|n| n == "vuelos.Vuelos"), "{nombres:?}");
    assert!(
        nombres.iter().any(|n| n == "grpc.health.v1.Health"),
        "{nombres:?}"
    );
}

async fn canal(url: String) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(url)
        .expect("a valid URL")
        .connect()
        .await
        .expect("the adaptador answers")
}

//! The health routes over a fake health port: liveness always answers, readiness and
//! `/health` answer 503 naming each failing check.

mod comun;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use aeroalpes_api::{BacklogOutbox, InformeSalud, Salud};
use serde_json::{json, Value};

use crate::comun::{app, contexto, Ajeno};

/// A health port that answers what it was built from.
#[derive(Clone, Copy)]
struct Fija {
    base_datos: bool,
    broker: bool,
    /// `None`: the outbox could not be read.
    outbox: Option<BacklogOutbox>,
}

impl Salud for Fija {
    fn verificar(&self) -> InformeSalud {
        InformeSalud {
            base_datos: if self.base_datos {
                Ok(())
            } else {
                Err("connection refused".into())
            },
            broker: self.broker,
            outbox: self.outbox.ok_or_else(|| "connection refused".into()),
        }
    }
}

fn backlog(pendientes: u64) -> BacklogOutbox {
    BacklogOutbox {
        pendientes,
        mas_antiguo_segundos: if pendientes == 0 { 0 } else { 42 },
        maximo: 100,
    }
}

fn sana() -> Fija {
    Fija {
        base_datos: true,
        broker: true,
        outbox: Some(backlog(3)),
    }
}

/// Asks `ruta` of the routes over `salud`; answers the status and the JSON body.
async fn pedir(salud: Fija, ruta: &str) -> (StatusCode, Value) {
    let mut contexto = contexto(Arc::new(Ajeno), Arc::new(Ajeno));
    contexto.salud = Arc::new(salud);
    let app = app!(contexto);
    let respuesta = test::call_service(&app, test::TestRequest::get().uri(ruta).to_request()).await;
    let estado = respuesta.status();
    (estado, test::read_body_json(respuesta).await)
}

#[actix_web::test]
async fn liveness_is_up_even_when_every_check_fails() {
    let caida = Fija {
        base_datos: false,
        broker: false,
        outbox: None,
    };
    assert_eq!(
        pedir(caida, "/health/live").await,
        (StatusCode::OK, json!({ "status": "up" }))
    );
}

#[actix_web::test]
async fn a_healthy_service_is_ready_and_reports_each_check() {
    assert_eq!(
        pedir(sana(), "/health/ready").await,
        (
            StatusCode::OK,
            json!({ "status": "up", "checks": {
                "base_datos": "up",
                "broker": "up",
                "outbox": { "status": "up", "pendientes": 3, "mas_antiguo_segundos": 42, "maximo": 100 },
            }})
        )
    );
}

#[actix_web::test]
async fn a_healthy_service_keeps_the_short_health_answer() {
    assert_eq!(
        pedir(sana(), "/health").await,
        (StatusCode::OK, json!({ "status": "up" }))
    );
}

#[actix_web::test]
async fn a_disconnected_broker_makes_the_service_unready_and_is_named() {
    let sin_broker = Fija {
        broker: false,
        ..sana()
    };
    let esperado = json!({ "status": "down", "checks": {
        "base_datos": "up",
        "broker": "down",
        "outbox": { "status": "up", "pendientes": 3, "mas_antiguo_segundos": 42, "maximo": 100 },
    }});
    for ruta in ["/health/ready", "/health"] {
        assert_eq!(
            pedir(sin_broker, ruta).await,
            (StatusCode::SERVICE_UNAVAILABLE, esperado.clone()),
            "{ruta}"
        );
    }
}

#[actix_web::test]
async fn a_backlog_at_its_threshold_makes_the_service_unready() {
    let atrasada = Fija {
        outbox: Some(backlog(100)),
        ..sana()
    };
    let (estado, cuerpo) = pedir(atrasada, "/health/ready").await;
    assert_eq!(estado, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(cuerpo["status"], "down");
    assert_eq!(cuerpo["checks"]["broker"], "up");
    assert_eq!(
        cuerpo["checks"]["outbox"],
        json!({ "status": "down", "pendientes": 100, "mas_antiguo_segundos": 42, "maximo": 100 })
    );
}

#[actix_web::test]
async fn a_silent_database_makes_every_health_route_but_liveness_answer_503() {
    let sin_base = Fija {
        base_datos: false,
        broker: true,
        outbox: None,
    };
    for ruta in ["/health/ready", "/health"] {
        assert_eq!(
            pedir(sin_base, ruta).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "status": "down", "checks": {
                    "base_datos": "down",
                    "broker": "up",
                    "outbox": "down",
                }})
            ),
            "{ruta}"
        );
    }
}

#[actix_web::test]
async fn the_spec_describes_the_three_health_routes_and_their_states() {
    let (_, spec) = pedir(sana(), "/spec").await;
    for ruta in ["/health", "/health/live", "/health/ready"] {
        assert!(
            spec["paths"][ruta]["get"]["responses"]["200"].is_object(),
            "{ruta}"
        );
    }
    for ruta in ["/health", "/health/ready"] {
        assert!(
            spec["paths"][ruta]["get"]["responses"]["503"].is_object(),
            "{ruta}"
        );
    }
}

//! The diesel repository of reservations and the vuelos unit of work, against real SQLite
//! and (with TEST_DATABASE_URL) PostgreSQL databases.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use seedwork_aplicacion::{ErrorUnidadTrabajo, ManejadorComando, UnidadTrabajo};
use seedwork_dominio::{AgregacionRaiz, Entidad, ErrorPersistencia};
use seedwork_persistencia::{outbox, ManejadoresEventos, Migraciones, UnidadTrabajoDiesel};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use vuelos_aplicacion::comandos::{ComandoReserva, CrearReserva, ManejadorReservas};
use vuelos_aplicacion::dto::{AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, SegmentoDTO};
use vuelos_aplicacion::ErrorVuelos;
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};
use vuelos_dominio::{
    EstadoReserva, FiltroReservas, IdCliente, IdReserva, Itinerario, Pagina, RepositorioReservas,
    Reserva,
};
use vuelos_infraestructura::{integracion, RepositorioReservasDiesel};

/// The tables of these tests: the seedwork's (outbox, inbox) and vuelos'.
const MIGRACIONES: [Migraciones; 2] = [
    seedwork_persistencia::MIGRACIONES,
    vuelos_infraestructura::MIGRACIONES,
];

fn itinerario() -> Itinerario {
    let aeropuerto = |codigo: &str| AeropuertoDTO {
        codigo: codigo.into(),
        nombre: format!("Aeropuerto {codigo} – ñ"),
    };
    ItinerarioDTO {
        odos: vec![OdoDTO {
            segmentos: vec![SegmentoDTO {
                legs: vec![
                    LegDTO {
                        fecha_salida: "2027-03-10T22:05:00Z".into(),
                        fecha_llegada: "2027-03-11T14:40:00Z".into(),
                        origen: aeropuerto("BOG"),
                        destino: aeropuerto("MAD"),
                    },
                    LegDTO {
                        fecha_salida: "2027-03-11T16:30:00Z".into(),
                        fecha_llegada: "2027-03-11T18:45:00Z".into(),
                        origen: aeropuerto("MAD"),
                        destino: aeropuerto("CDG"),
                    },
                ],
            }],
        }],
    }
    .try_into_domain()
    .unwrap()
}

fn reserva(minuto: u32) -> Reserva {
    let creada = Utc.with_ymd_and_hms(2026, 11, 22, 10, minuto, 0).unwrap();
    let mut reserva = Reserva::crear(
        IdReserva::nuevo(),
        Some(IdCliente::nuevo()),
        vec![itinerario()],
        creada,
    )
    .unwrap();
    reserva.tomar_eventos();
    reserva
}

fn uow(prueba: &BaseDePrueba) -> UnidadTrabajoDiesel {
    let mut manejadores = ManejadoresEventos::new();
    integracion::registrar_manejadores(&mut manejadores);
    UnidadTrabajoDiesel::new(prueba.base.clone(), Arc::new(manejadores))
}

/// Runs repository work in one committed transaction.
async fn con_repositorio<R: Send + 'static>(
    uow: &UnidadTrabajoDiesel,
    trabajo: impl FnOnce(&mut RepositorioReservasDiesel) -> Result<R, ErrorPersistencia>
        + Send
        + 'static,
) -> Result<R, ErrorPersistencia> {
    uow.ejecutar(move |tx| {
        trabajo(&mut RepositorioReservasDiesel::new(tx)).map_err(ErrorUnidadTrabajo::from)
    })
    .await
    .map_err(|e| match e {
        ErrorUnidadTrabajo::Persistencia(p) => p,
        otro => ErrorPersistencia::inesperado(otro),
    })
}

#[tokio::test]
async fn a_stored_reservation_reads_back_equal() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let original = reserva(0);
        let mut copia = original.clone();
        con_repositorio(&uow, move |repo| repo.agregar(&mut copia))
            .await
            .unwrap();
        let id = original.id();
        let leida = con_repositorio(&uow, move |repo| repo.obtener_por_id(id))
            .await
            .unwrap();
        assert_eq!(leida, Some(original), "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn an_unknown_id_reads_as_none() {
    for prueba in bases::todas(&MIGRACIONES) {
        let leida = con_repositorio(&uow(&prueba), |repo| {
            repo.obtener_por_id(IdReserva::nuevo())
        })
        .await
        .unwrap();
        assert_eq!(leida, None, "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn adding_an_id_twice_is_a_duplicate() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let mut original = reserva(0);
        let mut copia = original.clone();
        con_repositorio(&uow, move |repo| repo.agregar(&mut copia))
            .await
            .unwrap();
        let error = con_repositorio(&uow, move |repo| repo.agregar(&mut original))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ErrorPersistencia::Duplicado(_)),
            "on {}: {error:?}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn listings_filter_by_state_and_come_newest_first_in_pages() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let ids = con_repositorio(&uow, |repo| {
            let mut ids = Vec::new();
            for (minuto, accion) in [
                (1, None),
                (2, Some("aprobar")),
                (3, Some("cancelar")),
                (4, Some("pagar")),
            ] {
                let mut r = reserva(minuto);
                let ahora = Utc::now();
                match accion {
                    Some("aprobar") => r.aprobar(ahora).unwrap(),
                    Some("cancelar") => r.cancelar(ahora).unwrap(),
                    Some(_) => {
                        r.aprobar(ahora).unwrap();
                        r.pagar(ahora).unwrap();
                    }
                    None => {}
                }
                repo.agregar(&mut r)?;
                ids.push(r.id());
            }
            Ok(ids)
        })
        .await
        .unwrap();

        let listar = |filtro, pagina| {
            let uow = uow.clone();
            async move {
                con_repositorio(&uow, move |repo| repo.obtener(filtro, pagina))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.id())
                    .collect::<Vec<_>>()
            }
        };
        let todo = Pagina::default();
        assert_eq!(
            listar(FiltroReservas::Todas, todo).await,
            vec![ids[3], ids[2], ids[1], ids[0]],
            "on {}",
            prueba.nombre
        );
        assert_eq!(
            listar(FiltroReservas::ConEstado(EstadoReserva::Cancelada), todo).await,
            vec![ids[2]]
        );
        assert_eq!(
            listar(FiltroReservas::NoPagadas, todo).await,
            vec![ids[1], ids[0]]
        );
        let segunda = Pagina {
            limite: 2,
            desplazamiento: 2,
        };
        assert_eq!(
            listar(FiltroReservas::Todas, segunda).await,
            vec![ids[1], ids[0]]
        );
    }
}

#[tokio::test]
async fn an_update_based_on_a_stale_read_is_a_conflict_and_changes_nothing() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let mut original = reserva(0);
        let id = original.id();
        con_repositorio(&uow, move |repo| repo.agregar(&mut original))
            .await
            .unwrap();

        let resultado = con_repositorio(&uow, move |repo| {
            let mut primera = repo.obtener_por_id(id)?.unwrap();
            // Someone else approves it in between, through another repository.
            let mut otra = RepositorioReservasDiesel::new(repo.transaccion());
            let mut segunda = otra.obtener_por_id(id)?.unwrap();
            segunda.aprobar(Utc::now()).unwrap();
            otra.actualizar(&mut segunda)?;
            primera.cancelar(Utc::now()).unwrap();
            repo.actualizar(&mut primera)
        })
        .await;
        assert!(
            matches!(resultado, Err(ErrorPersistencia::Conflicto(_))),
            "on {}: {resultado:?}",
            prueba.nombre
        );
        let leida = con_repositorio(&uow, move |repo| repo.obtener_por_id(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            leida.estado(),
            EstadoReserva::Pendiente,
            "the failed unit of work rolled back on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn creating_a_reservation_stores_it_and_its_integration_event_in_one_transaction() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let manejador = ManejadorReservas::new(
            uow.clone(),
            vuelos_infraestructura::FabricaRepositoriosDiesel,
        );
        let id = IdReserva::nuevo();
        manejador
            .manejar(ComandoReserva::Crear(CrearReserva {
                id,
                id_cliente: None,
                itinerarios: vec![itinerario()],
                fecha_creacion: Utc::now(),
            }))
            .await
            .unwrap();

        let filas = uow
            .consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
            .await
            .unwrap();
        assert_eq!(filas.len(), 1, "on {}", prueba.nombre);
        assert_eq!(
            filas[0].topico,
            "persistent://public/default/eventos-reserva"
        );
        assert_eq!(filas[0].tipo, "EventoReservaCreada");
        assert_eq!(filas[0].clave.as_deref(), Some(id.to_string().as_str()));
        let registro = EventoReservaCreada::decodificar(&filas[0].carga, None)
            .expect("the outbox row holds an Avro EventoReservaCreada");
        assert_eq!(registro.id.as_deref(), Some(filas[0].id_mensaje.as_str()));
        assert_eq!(
            registro.a_notificacion().map(|n| (n.id_reserva, n.estado)),
            Ok((id.uuid(), EstadoReserva::Pendiente.as_str()))
        );

        let error = manejador
            .manejar(ComandoReserva::Crear(CrearReserva {
                id,
                id_cliente: None,
                itinerarios: vec![itinerario()],
                fecha_creacion: Utc::now(),
            }))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_))
        ));
        let filas = uow
            .consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
            .await
            .unwrap();
        assert_eq!(
            filas.len(),
            1,
            "a refused command adds no outbox row on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn the_latest_lifecycle_request_is_accepted_then_resolved_once_and_replaced_by_the_next() {
    use vuelos_aplicacion::FabricaRepositorios;
    use vuelos_aplicacion::{DesenlaceSolicitud, RepositorioSolicitudes};
    use vuelos_dominio::AccionReserva;
    use vuelos_infraestructura::FabricaRepositoriosDiesel;

    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let id = IdReserva::nuevo();
        let en = |paso: fn(
            &mut dyn RepositorioSolicitudes,
            IdReserva,
        ) -> Result<(), ErrorPersistencia>| {
            let uow = uow.clone();
            async move {
                uow.ejecutar(move |tx| {
                    let mut solicitudes = FabricaRepositoriosDiesel.solicitudes(tx);
                    paso(&mut solicitudes, id).map_err(ErrorUnidadTrabajo::from)
                })
                .await
                .unwrap();
                uow.consultar(move |tx| {
                    FabricaRepositoriosDiesel
                        .solicitudes(tx)
                        .ultima(id)
                        .map_err(ErrorUnidadTrabajo::from)
                })
                .await
                .unwrap()
            }
        };

        let ultima = en(|s, id| s.aceptar_accion(id, AccionReserva::Pagar))
            .await
            .unwrap();
        assert_eq!(
            ultima.desenlace,
            DesenlaceSolicitud::EnProceso,
            "{}",
            prueba.nombre
        );
        // Another action's outcome does not touch it.
        let ultima = en(|s, id| s.resolver_accion(id, AccionReserva::Aprobar, None))
            .await
            .unwrap();
        assert_eq!(
            ultima.desenlace,
            DesenlaceSolicitud::EnProceso,
            "{}",
            prueba.nombre
        );
        let ultima =
            en(|s, id| s.resolver_accion(id, AccionReserva::Pagar, Some("TransicionInvalida")))
                .await
                .unwrap();
        assert_eq!(ultima.accion, AccionReserva::Pagar, "{}", prueba.nombre);
        assert_eq!(
            ultima.desenlace,
            DesenlaceSolicitud::Rechazada {
                razon: "TransicionInvalida".into()
            },
            "{}",
            prueba.nombre
        );
        // Resolved once: a later outcome of the same action changes nothing.
        let ultima = en(|s, id| s.resolver_accion(id, AccionReserva::Pagar, None))
            .await
            .unwrap();
        assert!(
            matches!(ultima.desenlace, DesenlaceSolicitud::Rechazada { .. }),
            "{}",
            prueba.nombre
        );
        // The next request replaces it.
        let ultima = en(|s, id| s.aceptar_accion(id, AccionReserva::Aprobar))
            .await
            .unwrap();
        assert_eq!(ultima.accion, AccionReserva::Aprobar, "{}", prueba.nombre);
        let ultima = en(|s, id| s.resolver_accion(id, AccionReserva::Aprobar, None))
            .await
            .unwrap();
        assert_eq!(
            ultima.desenlace,
            DesenlaceSolicitud::Aplicada,
            "{}",
            prueba.nombre
        );
    }
}

/// The bookkeeping sweeps delete what is older than their retention and nothing still
/// needed: inbox ids and idempotency keys by age, requests once answered (refused, or their
/// reservation exists), never a request still in process.
#[tokio::test]
async fn the_sweeps_remove_old_bookkeeping_and_keep_what_may_still_be_needed() {
    use diesel::prelude::*;
    use seedwork_persistencia::barrido::{self, Barrido};
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let creada = reserva(0);
        let id_creada = creada.id().to_string();
        let mut copia = creada.clone();
        con_repositorio(&uow, move |repo| repo.agregar(&mut copia))
            .await
            .unwrap();
        let viejo = (Utc::now() - chrono::TimeDelta::days(30)).naive_utc();
        let nuevo = Utc::now().naive_utc();
        {
            let mut conexion = prueba.base.conexion().unwrap();
            let conexion = &mut *conexion;
            for (id, fecha) in [("vieja", viejo), ("reciente", nuevo)] {
                diesel::sql_query(
                    "INSERT INTO inbox (id_mensaje, tipo, fecha_procesado) VALUES ($1, 'T', $2)",
                )
                .bind::<diesel::sql_types::Text, _>(id)
                .bind::<diesel::sql_types::Timestamp, _>(fecha)
                .execute(conexion)
                .unwrap();
            }
            for (id, estado, fecha) in [
                (id_creada.clone(), "EnProceso", viejo),
                ("rechazada-vieja".to_owned(), "Rechazada", viejo),
                ("en-proceso-vieja".to_owned(), "EnProceso", viejo),
                ("rechazada-reciente".to_owned(), "Rechazada", nuevo),
            ] {
                diesel::sql_query(
                    "INSERT INTO solicitudes (id_reserva, estado, razon, fecha_creacion, fecha_actualizacion) \
                     VALUES ($1, $2, NULL, $3, $3)",
                )
                .bind::<diesel::sql_types::Text, _>(id)
                .bind::<diesel::sql_types::Text, _>(estado)
                .bind::<diesel::sql_types::Timestamp, _>(fecha)
                .execute(conexion)
                .unwrap();
            }
        }
        let semana = chrono::TimeDelta::days(7);
        let barridos = [
            Barrido {
                tabla: "inbox",
                retencion: semana,
                barrer: barrido::inbox,
            },
            Barrido {
                tabla: "solicitudes",
                retencion: semana,
                barrer: vuelos_infraestructura::solicitudes::barrer,
            },
        ];
        let borradas: Vec<usize> = barridos.iter().map(|b| b.ejecutar(&uow).unwrap()).collect();
        assert_eq!(borradas, [1, 2], "on {}", prueba.nombre);
        let mut conexion = prueba.base.conexion().unwrap();
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        let quedan = |sql: &str, conexion: &mut _| -> Vec<String> {
            let mut ids: Vec<String> = diesel::sql_query(sql)
                .load::<Id>(conexion)
                .unwrap()
                .into_iter()
                .map(|fila| fila.id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            quedan("SELECT id_mensaje AS id FROM inbox", &mut *conexion),
            ["reciente"]
        );
        assert_eq!(
            quedan("SELECT id_reserva AS id FROM solicitudes", &mut *conexion),
            ["en-proceso-vieja", "rechazada-reciente"],
            "on {}",
            prueba.nombre
        );
    }
}

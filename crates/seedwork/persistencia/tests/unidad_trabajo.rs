//! The diesel unit of work against real SQLite and PostgreSQL databases.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_dominio::{evento_dominio, ReglaIncumplida};
use seedwork_persistencia::outbox::{self, FilaOutbox};
use seedwork_persistencia::{
    Inbox, ManejadoresEventos, MensajeEnCurso, MensajeSaliente, Procesado, TransaccionDiesel,
    UnidadTrabajoDiesel, MIGRACIONES,
};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use uuid::Uuid;

#[derive(Debug)]
struct AlgoOcurrio {
    id_evento: Uuid,
    fecha_evento: DateTime<Utc>,
    rechazar: bool,
}
evento_dominio!(AlgoOcurrio);

fn algo_ocurrio(rechazar: bool) -> Box<AlgoOcurrio> {
    Box::new(AlgoOcurrio {
        id_evento: Uuid::new_v4(),
        fecha_evento: Utc::now(),
        rechazar,
    })
}

fn mensaje(topico: &str) -> MensajeSaliente {
    MensajeSaliente {
        id_mensaje: Uuid::new_v4(),
        topico: topico.into(),
        tipo: "Prueba".into(),
        clave: Some("k".into()),
        carga: vec![1, 2, 3],
        propiedades: BTreeMap::from([("correlation_id".into(), "c-1".into())]),
    }
}

/// Stands for a bug in a handler: it panics.
fn con_un_fallo_de_programacion() -> Result<(), ErrorUnidadTrabajo> {
    panic!("a bug in a handler")
}

/// A unit of work whose only event handler writes the event to the outbox, or refuses it.
fn uow(prueba: &BaseDePrueba) -> UnidadTrabajoDiesel {
    let mut manejadores = ManejadoresEventos::new();
    manejadores.suscribir(|evento: &AlgoOcurrio, tx: &mut TransaccionDiesel| {
        if evento.rechazar {
            return Err(
                ReglaIncumplida::new("NoAceptado", "el manejador rechaza el evento").into(),
            );
        }
        tx.agregar_al_outbox(&mensaje("desde-evento"))?;
        Ok(())
    });
    UnidadTrabajoDiesel::new(prueba.base.clone(), Arc::new(manejadores))
}

async fn filas(uow: &UnidadTrabajoDiesel) -> Vec<FilaOutbox> {
    uow.consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
        .await
        .unwrap()
}

#[tokio::test]
async fn committed_work_leaves_its_outbox_rows_and_those_of_its_event_handlers() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let enviado = mensaje("directo");
        let copia = enviado.clone();
        uow.ejecutar(move |tx| {
            tx.agregar_al_outbox(&copia)?;
            tx.registrar_eventos(vec![algo_ocurrio(false)]);
            Ok::<_, ErrorUnidadTrabajo>(())
        })
        .await
        .unwrap();

        let filas = filas(&uow).await;
        let topicos: Vec<_> = filas.iter().map(|f| f.topico.as_str()).collect();
        assert_eq!(topicos, ["directo", "desde-evento"], "on {}", prueba.nombre);
        assert_eq!(filas[0].id_mensaje, enviado.id_mensaje.to_string());
        assert_eq!(filas[0].carga, vec![1, 2, 3]);
        assert_eq!(filas[0].propiedades, r#"{"correlation_id":"c-1"}"#);
        assert!(!filas[0].publicado);
        assert!(filas[0].secuencia < filas[1].secuencia);
    }
}

#[tokio::test]
async fn work_that_fails_leaves_no_rows_behind_outbox_included() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let error = uow
            .ejecutar(|tx| {
                tx.agregar_al_outbox(&mensaje("directo"))?;
                Err::<(), _>(ErrorUnidadTrabajo::Regla(ReglaIncumplida::new(
                    "Falla",
                    "a propósito",
                )))
            })
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorUnidadTrabajo::Regla(_)));
        assert!(filas(&uow).await.is_empty(), "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn an_event_handler_that_refuses_rolls_the_whole_unit_of_work_back() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let error = uow
            .ejecutar(|tx| {
                tx.agregar_al_outbox(&mensaje("directo"))?;
                tx.registrar_eventos(vec![algo_ocurrio(false), algo_ocurrio(true)]);
                Ok::<_, ErrorUnidadTrabajo>(())
            })
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ErrorUnidadTrabajo::Regla(ref regla)
                if *regla == ReglaIncumplida::new("NoAceptado", "el manejador rechaza el evento")
        ));
        assert!(filas(&uow).await.is_empty(), "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn work_that_panics_is_reported_and_rolled_back() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let error = uow
            .ejecutar(|tx| {
                tx.agregar_al_outbox(&mensaje("directo"))?;
                con_un_fallo_de_programacion()
            })
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorUnidadTrabajo::Persistencia(_)));
        assert!(filas(&uow).await.is_empty(), "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn a_message_is_accepted_by_the_inbox_once() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let registrar = |uow: UnidadTrabajoDiesel| async move {
            uow.ejecutar(|tx| {
                tx.registrar_en_inbox("m-1", "Prueba")
                    .map_err(ErrorUnidadTrabajo::from)
            })
            .await
            .unwrap()
        };
        assert!(
            registrar(uow.clone()).await,
            "first delivery on {}",
            prueba.nombre
        );
        assert!(
            !registrar(uow.clone()).await,
            "redelivery on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn the_inbox_step_runs_a_message_once_with_its_effects_and_reports_a_repeat_as_its_own_outcome(
) {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let inbox = Inbox::new(uow.clone());
        let manejar = |uow: UnidadTrabajoDiesel| async move {
            uow.ejecutar(|tx| {
                tx.registrar_eventos(vec![algo_ocurrio(false)]);
                Ok::<_, ErrorUnidadTrabajo>("hecho")
            })
            .await
        };
        let en_curso = || MensajeEnCurso::new("m-7", "Prueba");

        let primero = inbox.procesar(en_curso(), manejar).await;
        let segundo = inbox.procesar(en_curso(), manejar).await;

        assert!(
            matches!(primero, Procesado::Ahora(Ok("hecho"))),
            "on {}: {primero:?}",
            prueba.nombre
        );
        assert!(
            matches!(segundo, Procesado::Antes),
            "on {}: {segundo:?}",
            prueba.nombre
        );
        assert_eq!(
            filas(&uow).await.len(),
            1,
            "the effects of the first delivery only, on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn a_message_whose_handler_fails_is_not_recorded_and_runs_again() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let inbox = Inbox::new(uow(&prueba));
        let fallar = |uow: UnidadTrabajoDiesel| async move {
            uow.ejecutar(|tx| {
                tx.registrar_eventos(vec![algo_ocurrio(true)]);
                Ok::<_, ErrorUnidadTrabajo>(())
            })
            .await
        };
        let primero = inbox
            .procesar(MensajeEnCurso::new("m-8", "Prueba"), fallar)
            .await;
        assert!(
            matches!(primero, Procesado::Ahora(Err(ErrorUnidadTrabajo::Regla(_)))),
            "{primero:?}"
        );
        let segundo = inbox
            .procesar(MensajeEnCurso::new("m-8", "Prueba"), fallar)
            .await;
        assert!(
            matches!(segundo, Procesado::Ahora(Err(_))),
            "rolled back with its inbox row, so it runs again on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn many_concurrent_units_of_work_all_commit() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let tareas: Vec<_> = (0..64)
            .map(|_| {
                let uow = uow.clone();
                tokio::spawn(async move {
                    uow.ejecutar(|tx| {
                        tx.agregar_al_outbox(&mensaje("concurrente"))
                            .map_err(ErrorUnidadTrabajo::from)
                    })
                    .await
                })
            })
            .collect();
        for tarea in tareas {
            tarea.await.unwrap().unwrap();
        }
        assert_eq!(filas(&uow).await.len(), 64, "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn the_backlog_counts_the_unpublished_rows_and_dates_the_oldest() {
    for prueba in bases::todas(&[MIGRACIONES]) {
        let uow = uow(&prueba);
        let pendientes = || {
            let uow = uow.clone();
            async move {
                uow.consultar(|tx| {
                    outbox::pendientes(tx.conexion()).map_err(ErrorUnidadTrabajo::from)
                })
                .await
                .unwrap()
            }
        };
        let vacio = pendientes().await;
        assert_eq!(
            (vacio.cantidad, vacio.mas_antigua),
            (0, None),
            "on {}",
            prueba.nombre
        );

        for topico in ["primero", "segundo"] {
            uow.ejecutar(|tx| {
                tx.agregar_al_outbox(&mensaje(topico))
                    .map_err(ErrorUnidadTrabajo::from)
            })
            .await
            .unwrap();
        }
        let escritas = filas(&uow).await;
        let dos = pendientes().await;
        assert_eq!(dos.cantidad, 2, "on {}", prueba.nombre);
        assert_eq!(
            dos.mas_antigua,
            Some(escritas[0].fecha_creacion),
            "on {}",
            prueba.nombre
        );

        let reclamo = outbox::Reclamo::reclamar(&uow, 1).unwrap();
        reclamo.cerrar(&[escritas[0].secuencia]).unwrap();
        let una = pendientes().await;
        assert_eq!(una.cantidad, 1, "on {}", prueba.nombre);
        assert_eq!(
            una.mas_antigua,
            Some(escritas[1].fecha_creacion),
            "on {}",
            prueba.nombre
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_group_commit_a_unit_that_breaks_a_unique_key_rolls_back_alone_on_either_engine() {
    // On PostgreSQL a failed statement aborts the whole transaction until it is rolled back
    // to a savepoint: the group goes on after it there too.
    for prueba in bases::todas(&[MIGRACIONES]) {
        let base = prueba.base.clone().con_escritura_agrupada(true).unwrap();
        let uow = UnidadTrabajoDiesel::new(base, Arc::new(ManejadoresEventos::new()));
        let escribir = |mensaje: MensajeSaliente| {
            let uow = uow.clone();
            async move {
                uow.ejecutar(move |tx| {
                    tx.agregar_al_outbox(&mensaje)?;
                    Ok::<_, ErrorUnidadTrabajo>(())
                })
                .await
            }
        };
        let repetido = mensaje("a");

        let (primera, duplicada, tercera) = tokio::join!(
            escribir(repetido.clone()),
            escribir(repetido),
            escribir(mensaje("c"))
        );

        assert!(primera.is_ok() && tercera.is_ok(), "on {}", prueba.nombre);
        assert!(
            matches!(
                duplicada,
                Err(ErrorUnidadTrabajo::Persistencia(
                    seedwork_dominio::ErrorPersistencia::Duplicado(_)
                ))
            ),
            "on {}: {duplicada:?}",
            prueba.nombre
        );
        let filas: Vec<FilaOutbox> = uow
            .consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
            .await
            .unwrap();
        let mut topicos: Vec<String> = filas.into_iter().map(|f| f.topico).collect();
        topicos.sort();
        assert_eq!(topicos, ["a", "c"], "on {}", prueba.nombre);
    }
}

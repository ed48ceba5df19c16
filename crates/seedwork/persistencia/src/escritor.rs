//! Group commit: one thread writes for the whole process (on by default on SQLite; on
//! PostgreSQL when `AEROALPES_ESCRITURA_AGRUPADA` says so). The units of work that queue up
//! while it commits one group form the next: one transaction, each unit in a savepoint of
//! its own (a unit that fails rolls back alone and its caller gets its own error), one
//! commit, and only then is each caller answered. SQLite has one writer at a time anyway;
//! a transaction per unit paid, for every unit, its begin and commit, the WAL frames of
//! every page it touched (a page shared by many units is written once per group) and the
//! hand-over of the write lock from one thread to the next.
//!
//! Nothing changes for a caller: it is answered after the commit that holds its work, or
//! with an error when that commit failed (its work then rolled back with the group's).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};

use diesel::r2d2::Pool;
use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{ConCausas, ErrorPersistencia};
use tokio::sync::oneshot;

use crate::base_datos::{Conector, ESPERA_TRABAJO};
use crate::conexion::Modo;
use crate::errores::de_diesel;
use crate::unidad_trabajo::{TransaccionDiesel, UnidadTrabajoDiesel};

/// Units of work one transaction holds at most: a group answers its first caller only when
/// its last unit is done, so a group is kept short.
const MAXIMO_GRUPO: usize = 128;

/// The queue of the writing thread.
#[derive(Clone)]
pub(crate) struct Escritor {
    cola: Sender<Box<dyn Encargo>>,
}

impl Escritor {
    /// Starts the writing thread on `pool`; on SQLite it takes `cerrojo` for each group, so
    /// that the process's other writers (the relay's marks, sweeps) wait their turn in
    /// process. The thread ends when the last clone of the queue is dropped.
    pub(crate) fn iniciar(
        pool: Pool<Conector>,
        cerrojo: Option<Arc<Mutex<()>>>,
    ) -> std::io::Result<Self> {
        let cerrojo = cerrojo.unwrap_or_default();
        let (cola, encargos) = mpsc::channel();
        std::thread::Builder::new()
            .name("escritor".into())
            .spawn(move || escribir(&encargos, &pool, &cerrojo))?;
        Ok(Self { cola })
    }

    /// Runs `trabajo` as a unit of work of `uow` in the next group, and answers after that
    /// group's commit. Waits at most [`ESPERA_TRABAJO`]; past it the outcome is unknown (the
    /// unit may still commit), as with any database that does not answer in time.
    pub(crate) async fn encargar<R, E, F>(
        &self,
        uow: UnidadTrabajoDiesel,
        trabajo: F,
    ) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionDiesel) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        let persistencia = |e: ErrorPersistencia| E::from(ErrorUnidadTrabajo::Persistencia(e));
        let (respuesta, recibo) = oneshot::channel();
        let encargo = Box::new(Unidad {
            uow,
            trabajo,
            respuesta,
        });
        if self.cola.send(encargo).is_err() {
            return Err(persistencia(ErrorPersistencia::inesperado(
                "el hilo escritor terminó",
            )));
        }
        match tokio::time::timeout(ESPERA_TRABAJO, recibo).await {
            Ok(Ok(resultado)) => resultado,
            // The unit panicked: its savepoint was rolled back and its answer dropped.
            Ok(Err(_)) => Err(persistencia(ErrorPersistencia::inesperado(
                "la unidad de trabajo terminó sin respuesta",
            ))),
            Err(_) => Err(persistencia(ErrorPersistencia::no_disponible(format!(
                "la base de datos no respondió en {} s",
                ESPERA_TRABAJO.as_secs()
            )))),
        }
    }
}

/// A unit of work waiting for its group.
trait Encargo: Send {
    /// Runs the unit inside its savepoint of the group's transaction.
    fn ejecutar(self: Box<Self>, tx: &mut TransaccionDiesel) -> Box<dyn Pendiente>;
    /// The unit never ran: its group could not start or broke before its turn.
    fn fallar(self: Box<Self>, error: ErrorPersistencia);
}

/// A unit that ran, waiting for its group's commit to be answered.
trait Pendiente: Send {
    /// Whether the unit succeeded (its savepoint is kept) or failed (rolled back).
    fn exito(&self) -> bool;
    /// Answers the caller: its own result, unless it succeeded and the group's commit
    /// failed.
    fn responder(self: Box<Self>, confirmado: Result<(), Arc<ErrorPersistencia>>);
}

struct Unidad<R, E, F> {
    uow: UnidadTrabajoDiesel,
    trabajo: F,
    respuesta: oneshot::Sender<Result<R, E>>,
}

impl<R, E, F> Encargo for Unidad<R, E, F>
where
    F: FnOnce(&mut TransaccionDiesel) -> Result<R, E> + Send + 'static,
    R: Send + 'static,
    E: From<ErrorUnidadTrabajo> + Send + 'static,
{
    fn ejecutar(self: Box<Self>, tx: &mut TransaccionDiesel) -> Box<dyn Pendiente> {
        let Unidad {
            uow,
            trabajo,
            respuesta,
        } = *self;
        tx.outbox_escrito = false;
        let resultado = uow.dentro_de(tx, trabajo);
        Box::new(Ejecutada {
            avisar_outbox: tx.outbox_escrito && resultado.is_ok(),
            uow,
            resultado,
            respuesta,
        })
    }

    fn fallar(self: Box<Self>, error: ErrorPersistencia) {
        let _ = self
            .respuesta
            .send(Err(ErrorUnidadTrabajo::Persistencia(error).into()));
    }
}

struct Ejecutada<R, E> {
    uow: UnidadTrabajoDiesel,
    resultado: Result<R, E>,
    avisar_outbox: bool,
    respuesta: oneshot::Sender<Result<R, E>>,
}

impl<R, E> Pendiente for Ejecutada<R, E>
where
    R: Send + 'static,
    E: From<ErrorUnidadTrabajo> + Send + 'static,
{
    fn exito(&self) -> bool {
        self.resultado.is_ok()
    }

    fn responder(self: Box<Self>, confirmado: Result<(), Arc<ErrorPersistencia>>) {
        let resultado = match (self.resultado, confirmado) {
            (Ok(_), Err(error)) => {
                Err(ErrorUnidadTrabajo::Persistencia(grupo_fallido(error)).into())
            }
            (resultado, _) => {
                if self.avisar_outbox {
                    self.uow.avisar_outbox();
                }
                resultado
            }
        };
        let _ = self.respuesta.send(resultado);
    }
}

/// Why a unit's work was not kept: its group's transaction failed.
#[derive(Debug, thiserror::Error)]
#[error("el grupo de escritura no se confirmó")]
struct GrupoNoConfirmado(#[source] Arc<ErrorPersistencia>);

/// The error each caller of a failed group gets: the store's, shared. Nothing of the group
/// was written, so trying again may succeed.
fn grupo_fallido(error: Arc<ErrorPersistencia>) -> ErrorPersistencia {
    ErrorPersistencia::no_disponible(GrupoNoConfirmado(error))
}

/// The writing thread: takes what waits, writes it as one group, again until the queue
/// is closed.
fn escribir(encargos: &Receiver<Box<dyn Encargo>>, pool: &Pool<Conector>, cerrojo: &Mutex<()>) {
    while let Ok(primero) = encargos.recv() {
        let mut grupo = vec![primero];
        while grupo.len() < MAXIMO_GRUPO {
            match encargos.try_recv() {
                Ok(encargo) => grupo.push(encargo),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        metrics::histogram!("aeroalpes_escritura_grupo_unidades").record(grupo.len() as f64);
        escribir_grupo(grupo, pool, cerrojo);
    }
}

fn escribir_grupo(grupo: Vec<Box<dyn Encargo>>, pool: &Pool<Conector>, cerrojo: &Mutex<()>) {
    // A writer that panicked left no transaction open (its connection rolled back when
    // dropped), so a poisoned lock is safe to take again.
    let escritor = cerrojo.lock().unwrap_or_else(|e| e.into_inner());
    let conexion = match pool.get() {
        Ok(conexion) => conexion,
        Err(error) => return fallar_todos(grupo, ErrorPersistencia::no_disponible(error)),
    };
    let mut tx = TransaccionDiesel::nueva(conexion);
    if let Err(error) = tx.conexion_abierta().comenzar(Modo::Escritura) {
        return fallar_todos(grupo, de_diesel(error));
    }
    let mut ejecutadas = Vec::with_capacity(grupo.len());
    let mut sin_ejecutar = Vec::new();
    let mut roto = None;
    for encargo in grupo {
        if roto.is_some() {
            sin_ejecutar.push(encargo);
            continue;
        }
        if let Err(error) = tx.conexion_abierta().punto_de_guardado() {
            roto = Some(error);
            sin_ejecutar.push(encargo);
            continue;
        }
        // A unit that panics drops its answer (its caller hears it) and is rolled back alone.
        let ejecutada = catch_unwind(AssertUnwindSafe(|| encargo.ejecutar(&mut tx))).ok();
        let cierre = match &ejecutada {
            Some(ejecutada) if ejecutada.exito() => tx.conexion_abierta().confirmar(),
            _ => tx.conexion_abierta().revertir(),
        };
        if let Err(error) = cierre {
            roto = Some(error);
        }
        ejecutadas.extend(ejecutada);
    }
    let confirmado = match roto {
        Some(error) => Err(de_diesel(error)),
        None => tx.conexion_abierta().confirmar().map_err(de_diesel),
    };
    if let Err(error) = &confirmado {
        tracing::error!(error = %ConCausas(error), unidades = ejecutadas.len() + sin_ejecutar.len(), "un grupo de escritura no se confirmó");
        // A broken savepoint leaves the transaction open one level or two deep.
        tx.conexion_abierta().abandonar_transaccion();
    }
    // The connection and the lock go back before the callers hear, so the next group
    // starts while they carry on.
    drop(tx);
    drop(escritor);
    let confirmado = confirmado.map_err(Arc::new);
    for ejecutada in ejecutadas {
        ejecutada.responder(confirmado.clone());
    }
    if let Err(error) = confirmado {
        for encargo in sin_ejecutar {
            encargo.fallar(grupo_fallido(error.clone()));
        }
    }
}

fn fallar_todos(grupo: Vec<Box<dyn Encargo>>, error: ErrorPersistencia) {
    tracing::error!(error = %ConCausas(&error), unidades = grupo.len(), "un grupo de escritura no pudo empezar");
    let error = Arc::new(error);
    for encargo in grupo {
        encargo.fallar(grupo_fallido(error.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base_datos::BaseDatos;
    use crate::esquema::MIGRACIONES;
    use crate::outbox::{self, MensajeSaliente};
    use crate::unidad_trabajo::ManejadoresEventos;
    use diesel::connection::SimpleConnection;
    use seedwork_aplicacion::UnidadTrabajo;

    type Respuesta = oneshot::Receiver<Result<(), ErrorUnidadTrabajo>>;

    fn base() -> (tempfile::TempDir, BaseDatos, UnidadTrabajoDiesel) {
        let dir = tempfile::tempdir().unwrap();
        let base = BaseDatos::conectar(&dir.path().join("g.db").to_string_lossy(), &[MIGRACIONES])
            .unwrap();
        let uow = UnidadTrabajoDiesel::new(base.clone(), Arc::new(ManejadoresEventos::new()));
        (dir, base, uow)
    }

    fn mensaje(topico: &str) -> MensajeSaliente {
        MensajeSaliente {
            id_mensaje: uuid::Uuid::new_v4(),
            topico: topico.into(),
            tipo: "Prueba".into(),
            clave: None,
            carga: vec![1, 2, 3],
            propiedades: Default::default(),
        }
    }

    /// A unit that writes an outbox row on `topico`, then does `despues`.
    fn unidad(
        uow: &UnidadTrabajoDiesel,
        topico: &str,
        despues: impl FnOnce(&mut TransaccionDiesel) -> Result<(), ErrorUnidadTrabajo> + Send + 'static,
    ) -> (Box<dyn Encargo>, Respuesta) {
        let (respuesta, recibo) = oneshot::channel();
        let mensaje = mensaje(topico);
        let trabajo = move |tx: &mut TransaccionDiesel| {
            tx.agregar_al_outbox(&mensaje)?;
            despues(tx)
        };
        let encargo = Box::new(Unidad {
            uow: uow.clone(),
            trabajo,
            respuesta,
        });
        (encargo, recibo)
    }

    fn topicos(uow: &UnidadTrabajoDiesel) -> Vec<String> {
        uow.ejecutar_bloqueando(Modo::Lectura, |tx| {
            outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from)
        })
        .unwrap()
        .into_iter()
        .map(|fila| fila.topico)
        .collect()
    }

    fn escribir_en(base: &BaseDatos, grupo: Vec<Box<dyn Encargo>>) {
        let cerrojo = Arc::new(Mutex::new(()));
        escribir_grupo(grupo, &base.pool_para_pruebas(), &cerrojo);
    }

    #[test]
    fn a_failing_unit_rolls_back_alone_and_gets_its_own_error_while_the_group_commits() {
        let (_dir, base, uow) = base();
        let (primera, r1) = unidad(&uow, "a", |_| Ok(()));
        let (fallida, r2) = unidad(&uow, "b", |_| {
            Err(ErrorUnidadTrabajo::Persistencia(
                ErrorPersistencia::Conflicto("la regla de esta unidad".into()),
            ))
        });
        let (tercera, r3) = unidad(&uow, "c", |_| Ok(()));

        escribir_en(&base, vec![primera, fallida, tercera]);

        assert!(matches!(r1.blocking_recv().unwrap(), Ok(())));
        assert!(matches!(
            r2.blocking_recv().unwrap(),
            Err(ErrorUnidadTrabajo::Persistencia(ErrorPersistencia::Conflicto(razon))) if razon == "la regla de esta unidad"
        ));
        assert!(matches!(r3.blocking_recv().unwrap(), Ok(())));
        assert_eq!(topicos(&uow), ["a", "c"]);
    }

    #[test]
    fn a_unit_that_panics_is_rolled_back_alone_and_its_caller_hears_of_it() {
        let (_dir, base, uow) = base();
        let (primera, r1) = unidad(&uow, "a", |_| Ok(()));
        let (rota, r2) = unidad(&uow, "b", |_| panic!("un error de programación"));
        let (tercera, r3) = unidad(&uow, "c", |_| Ok(()));

        escribir_en(&base, vec![primera, rota, tercera]);

        assert!(matches!(r1.blocking_recv().unwrap(), Ok(())));
        assert!(r2.blocking_recv().is_err(), "its answer was dropped");
        assert!(matches!(r3.blocking_recv().unwrap(), Ok(())));
        assert_eq!(topicos(&uow), ["a", "c"]);
    }

    #[test]
    fn when_the_commit_fails_every_unit_of_the_group_gets_an_error_and_nothing_is_written() {
        let (_dir, base, uow) = base();
        // A deferred foreign key is checked at COMMIT: a unit can break it and still succeed.
        base.conexion()
            .unwrap()
            .batch_execute(
                "CREATE TABLE padre (id INTEGER PRIMARY KEY); \
                 CREATE TABLE hijo (id INTEGER PRIMARY KEY, \
                   padre INTEGER REFERENCES padre(id) DEFERRABLE INITIALLY DEFERRED);",
            )
            .unwrap();
        let (primera, r1) = unidad(&uow, "a", |_| Ok(()));
        let (huerfana, r2) = unidad(&uow, "b", |tx| {
            tx.conexion()
                .batch_execute("INSERT INTO hijo (id, padre) VALUES (1, 999)")
                .map_err(|e| ErrorUnidadTrabajo::Persistencia(crate::errores::de_diesel(e)))
        });

        escribir_en(&base, vec![primera, huerfana]);

        for recibo in [r1, r2] {
            assert!(matches!(
                recibo.blocking_recv().unwrap(),
                Err(ErrorUnidadTrabajo::Persistencia(
                    ErrorPersistencia::NoDisponible(_)
                ))
            ));
        }
        assert!(topicos(&uow).is_empty());
        // The connection went back clean: the next group writes.
        let (despues, r3) = unidad(&uow, "c", |_| Ok(()));
        escribir_en(&base, vec![despues]);
        assert!(matches!(r3.blocking_recv().unwrap(), Ok(())));
        assert_eq!(topicos(&uow), ["c"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_concurrent_units_each_get_their_own_result_and_only_the_successful_are_written() {
        let (_dir, _base, uow) = base();
        let tareas: Vec<_> = (0..200)
            .map(|n| {
                let uow = uow.clone();
                tokio::spawn(async move {
                    let mensaje = mensaje(&format!("t{n}"));
                    uow.ejecutar(move |tx| {
                        tx.agregar_al_outbox(&mensaje)?;
                        if n % 50 == 7 {
                            return Err(ErrorUnidadTrabajo::Persistencia(
                                ErrorPersistencia::Conflicto(format!("unidad {n}")),
                            ));
                        }
                        Ok(n)
                    })
                    .await
                })
            })
            .collect();
        let mut esperados = Vec::new();
        for (n, tarea) in tareas.into_iter().enumerate() {
            match tarea.await.unwrap() {
                Ok(m) => {
                    assert_eq!(m, n);
                    esperados.push(format!("t{n}"));
                }
                Err(ErrorUnidadTrabajo::Persistencia(ErrorPersistencia::Conflicto(razon))) => {
                    assert_eq!(n % 50, 7);
                    assert_eq!(razon, format!("unidad {n}"));
                }
                Err(otro) => panic!("unit {n}: {otro:?}"),
            }
        }
        let mut escritos = topicos(&uow);
        escritos.sort();
        esperados.sort();
        assert_eq!(escritos, esperados);
        assert_eq!(esperados.len(), 196);
    }
}

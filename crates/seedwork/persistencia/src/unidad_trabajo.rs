//! The diesel unit of work: one database transaction per command, with the domain events
//! of the saved aggregates dispatched in-process before it commits.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

use async_trait::async_trait;
use diesel::r2d2::PooledConnection;
use seedwork_aplicacion::{
    DespachadorEventosDominio, ErrorUnidadTrabajo, Transaccion, UnidadTrabajo,
};
use seedwork_dominio::{AgregacionRaiz, ErrorPersistencia, EventoDominio};

use crate::base_datos::{BaseDatos, Conector};
use crate::conexion::{Conexion, Modo};
use crate::errores::de_diesel;
use crate::mensaje_en_curso::MensajeEnCurso;

/// An open transaction on one pooled connection.
pub struct TransaccionDiesel {
    conexion: PooledConnection<Conector>,
    eventos: VecDeque<Box<dyn EventoDominio>>,
    /// Whether this transaction wrote to the outbox (the relay is woken after commit).
    pub(crate) outbox_escrito: bool,
    /// The integration message being handled, if the work comes from one.
    mensaje: Option<MensajeEnCurso>,
}

impl TransaccionDiesel {
    /// A transaction about to begin on `conexion`.
    pub(crate) fn nueva(conexion: PooledConnection<Conector>) -> Self {
        Self {
            conexion,
            eventos: VecDeque::new(),
            outbox_escrito: false,
            mensaje: None,
        }
    }

    /// The connection itself, for beginning and ending the transaction and its savepoints.
    pub(crate) fn conexion_abierta(&mut self) -> &mut Conexion {
        &mut self.conexion
    }

    /// The connection, inside the open transaction, for repositories to use.
    pub fn conexion(&mut self) -> &mut Conexion {
        &mut self.conexion
    }

    /// The integration message whose handling opened this transaction, if any: what the
    /// transaction publishes is caused by it.
    pub fn mensaje_en_curso(&self) -> Option<&MensajeEnCurso> {
        self.mensaje.as_ref()
    }

    /// Queues events that no aggregate raised (tests, and adapters that raise their own);
    /// aggregates' events arrive through [`Transaccion::recoger_eventos`].
    pub fn registrar_eventos(&mut self, eventos: Vec<Box<dyn EventoDominio>>) {
        self.eventos.extend(eventos);
    }
}

impl Transaccion for TransaccionDiesel {
    fn recoger_eventos<A: AgregacionRaiz>(&mut self, agregado: &mut A) {
        self.eventos.extend(agregado.tomar_eventos());
    }
}

/// Handlers of domain events that run inside the transaction that raised the events.
pub type ManejadoresEventos = DespachadorEventosDominio<TransaccionDiesel>;

#[derive(Clone)]
pub struct UnidadTrabajoDiesel {
    base: BaseDatos,
    eventos: Arc<ManejadoresEventos>,
    aviso_outbox: Option<Arc<Notify>>,
    /// The integration message this unit of work handles, if the inbox step bound one.
    mensaje: Option<MensajeVinculado>,
}

/// A message bound to a unit of work, and whether the inbox found it handled already.
#[derive(Clone)]
struct MensajeVinculado {
    mensaje: MensajeEnCurso,
    ya_procesado: Arc<AtomicBool>,
}

impl UnidadTrabajoDiesel {
    pub fn new(base: BaseDatos, eventos: Arc<ManejadoresEventos>) -> Self {
        Self {
            base,
            eventos,
            aviso_outbox: None,
            mensaje: None,
        }
    }

    /// This unit of work bound to `mensaje`: each write transaction it runs first records
    /// the message in the inbox, and refuses with `MensajeYaProcesado` (running nothing)
    /// when the inbox has it. Read the returned flag to tell that outcome apart. Used by
    /// [`crate::inbox::Inbox`], the consumers' inbox step.
    pub(crate) fn vinculada_a(&self, mensaje: MensajeEnCurso) -> (Self, Arc<AtomicBool>) {
        let ya_procesado = Arc::new(AtomicBool::new(false));
        let mut uow = self.clone();
        uow.mensaje = Some(MensajeVinculado {
            mensaje,
            ya_procesado: ya_procesado.clone(),
        });
        (uow, ya_procesado)
    }

    /// Wakes `aviso` after every commit that wrote to the outbox, so the relay publishes
    /// at once instead of at its next poll.
    pub fn con_aviso_outbox(mut self, aviso: Arc<Notify>) -> Self {
        self.aviso_outbox = Some(aviso);
        self
    }

    pub fn base(&self) -> &BaseDatos {
        &self.base
    }

    /// Runs `trabajo` in a transaction on this thread (it blocks on the database).
    ///
    /// Bound to a message, a write transaction first records it in the inbox; a message
    /// already recorded is refused with `MensajeYaProcesado` and nothing runs.
    pub fn ejecutar_bloqueando<R, E>(
        &self,
        modo: Modo,
        trabajo: impl FnOnce(&mut TransaccionDiesel) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<ErrorUnidadTrabajo>,
    {
        let persistencia = |e: ErrorPersistencia| E::from(ErrorUnidadTrabajo::Persistencia(e));
        let _escritor = match modo {
            Modo::Escritura => self.base.cerrojo_escritura(),
            Modo::Lectura => None,
        };
        let conexion = self
            .base
            .conexion()
            .map_err(|e| persistencia(ErrorPersistencia::no_disponible(e)))?;
        let mut tx = TransaccionDiesel::nueva(conexion);
        tx.conexion
            .comenzar(modo)
            .map_err(|e| persistencia(de_diesel(e)))?;
        let resultado = match modo {
            Modo::Escritura => self.dentro_de(&mut tx, trabajo),
            Modo::Lectura => trabajo(&mut tx),
        };
        match resultado {
            Ok(r) => match tx.conexion.confirmar() {
                Ok(()) => {
                    if tx.outbox_escrito {
                        self.avisar_outbox();
                    }
                    Ok(r)
                }
                Err(error) => {
                    tx.conexion.abandonar_transaccion();
                    Err(persistencia(de_diesel(error)))
                }
            },
            Err(error) => {
                tx.conexion.abandonar_transaccion();
                Err(error)
            }
        }
    }

    /// Runs one write unit inside the open transaction `tx`: records the bound message in
    /// the inbox (refusing one already handled), runs `trabajo`, then dispatches the
    /// domain events it raised. The caller commits or rolls back.
    pub(crate) fn dentro_de<R, E>(
        &self,
        tx: &mut TransaccionDiesel,
        trabajo: impl FnOnce(&mut TransaccionDiesel) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<ErrorUnidadTrabajo>,
    {
        tx.eventos.clear();
        tx.mensaje = self.mensaje.as_ref().map(|v| v.mensaje.clone());
        registrar_mensaje(tx, self.mensaje.as_ref())
            .map_err(E::from)
            .and_then(|()| trabajo(tx))
            .and_then(|r| self.despachar_eventos(tx).map(|()| r).map_err(E::from))
    }

    /// Wakes the relay: a commit wrote to the outbox.
    pub(crate) fn avisar_outbox(&self) {
        if let Some(aviso) = &self.aviso_outbox {
            aviso.notify_one();
        }
    }

    /// Dispatches queued events oldest first, including those the handlers queue in turn.
    fn despachar_eventos(&self, tx: &mut TransaccionDiesel) -> Result<(), ErrorUnidadTrabajo> {
        while let Some(evento) = tx.eventos.pop_front() {
            self.eventos.despachar(evento.as_ref(), tx)?;
        }
        Ok(())
    }

    async fn en_hilo_bloqueante<R, E, F>(&self, modo: Modo, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionDiesel) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        if let (Modo::Escritura, Some(escritor)) = (modo, self.base.escritor()) {
            return escritor.encargar(self.clone(), trabajo).await;
        }
        let uow = self.clone();
        crate::base_datos::en_hilo_acotado(crate::base_datos::ESPERA_TRABAJO, move || {
            uow.ejecutar_bloqueando(modo, trabajo)
        })
        .await
        .unwrap_or_else(|error| Err(ErrorUnidadTrabajo::Persistencia(error).into()))
    }
}

/// Records the bound message in the inbox, refusing one already handled.
fn registrar_mensaje(
    tx: &mut TransaccionDiesel,
    vinculado: Option<&MensajeVinculado>,
) -> Result<(), ErrorUnidadTrabajo> {
    let Some(MensajeVinculado {
        mensaje,
        ya_procesado,
    }) = vinculado
    else {
        return Ok(());
    };
    if tx.registrar_en_inbox(&mensaje.id_mensaje, &mensaje.tipo)? {
        Ok(())
    } else {
        ya_procesado.store(true, Ordering::SeqCst);
        Err(ErrorUnidadTrabajo::MensajeYaProcesado {
            id_mensaje: mensaje.id_mensaje.clone(),
        })
    }
}

#[async_trait]
impl UnidadTrabajo for UnidadTrabajoDiesel {
    type Transaccion = TransaccionDiesel;

    async fn ejecutar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionDiesel) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        self.en_hilo_bloqueante(Modo::Escritura, trabajo).await
    }

    async fn consultar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionDiesel) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        self.en_hilo_bloqueante(Modo::Lectura, trabajo).await
    }
}

//! Which websocket session waits for which reservation. The event consumer hands every
//! event to [`Enrutador::entregar`], which puts it in the queue of each session that sent a
//! command for that reservation, and of no other: nothing is broadcast. Queues are bounded
//! and written with `try_send`, so a slow browser never stalls the consumer: a session
//! whose queue is full is dropped (its socket is then closed, see `sesion`).
//!
//! An event can overtake the reply to the command that caused it: aeroalpes answers 202
//! and its relay publishes the command at once, so the reservation's `Creada` may reach this
//! process before the id does. An event nobody waits for is therefore kept for a short
//! while ([`Enrutador::RETENCION`], at most [`Enrutador::MAXIMO_HUERFANOS`]) and handed to
//! the session that claims its reservation in that window; after it, it is dropped.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, error::TrySendError};
use uuid::Uuid;

use crate::protocolo::Salida;

/// A websocket session of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdSesion(u64);

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Entrega {
    /// Sessions it was queued for.
    pub entregadas: usize,
    /// Sessions dropped because their queue was full (or already closed).
    pub expulsadas: usize,
}

/// The routing table of the process; shared by the consumer and every session.
#[derive(Debug)]
pub struct Enrutador {
    capacidad: usize,
    retencion: Duration,
    estado: Mutex<Estado>,
}

#[derive(Debug, Default)]
struct Estado {
    siguiente: u64,
    sesiones: HashMap<IdSesion, Buzon>,
    interesados: HashMap<Uuid, HashSet<IdSesion>>,
    huerfanos: VecDeque<Huerfano>,
}

#[derive(Debug)]
struct Buzon {
    cola: mpsc::Sender<Salida>,
    reservas: HashSet<Uuid>,
}

#[derive(Debug)]
struct Huerfano {
    llegada: Instant,
    id_reserva: Uuid,
    salida: Salida,
}

impl Enrutador {
    /// Messages a session may have waiting before it is dropped.
    pub const CAPACIDAD: usize = 64;
    /// How long an event nobody waits for is kept for a session about to claim it.
    pub const RETENCION: Duration = Duration::from_secs(5);
    /// At most this many such events are kept (the oldest go first).
    pub const MAXIMO_HUERFANOS: usize = 1024;

    pub fn new(capacidad: usize, retencion: Duration) -> Self {
        Self {
            capacidad: capacidad.max(1),
            retencion,
            estado: Mutex::default(),
        }
    }

    /// A new session and the queue it reads its messages from. The queue ends when the
    /// session is dropped (its queue filled up, or the process is stopping).
    pub fn abrir_sesion(&self) -> (IdSesion, mpsc::Receiver<Salida>) {
        let (cola, recibir) = mpsc::channel(self.capacidad);
        let mut estado = self.estado();
        estado.siguiente += 1;
        let id = IdSesion(estado.siguiente);
        estado.sesiones.insert(
            id,
            Buzon {
                cola,
                reservas: HashSet::new(),
            },
        );
        (id, recibir)
    }

    /// `sesion` will receive the events of `id_reserva`, starting with those that arrived
    /// moments ago with nobody waiting. `false` if the session is gone.
    pub fn esperar(&self, sesion: IdSesion, id_reserva: Uuid) -> bool {
        let mut estado = self.estado();
        let Some(buzon) = estado.sesiones.get_mut(&sesion) else {
            return false;
        };
        buzon.reservas.insert(id_reserva);
        estado
            .interesados
            .entry(id_reserva)
            .or_default()
            .insert(sesion);
        estado.olvidar_huerfanos_anteriores_a(Instant::now().checked_sub(self.retencion));
        let (suyos, resto) = std::mem::take(&mut estado.huerfanos)
            .into_iter()
            .partition::<VecDeque<_>, _>(|huerfano| huerfano.id_reserva == id_reserva);
        estado.huerfanos = resto;
        suyos
            .into_iter()
            .all(|huerfano| estado.encolar(sesion, huerfano.salida))
    }

    /// Queues a reply for `sesion` alone; `false` if the session is gone (or was dropped
    /// now because its queue is full).
    pub fn responder(&self, sesion: IdSesion, salida: Salida) -> bool {
        self.estado().encolar(sesion, salida)
    }

    /// Queues the event of `id_reserva` for every session waiting for it. Never waits.
    pub fn entregar(&self, id_reserva: Uuid, salida: Salida) -> Entrega {
        let mut estado = self.estado();
        let sesiones: Vec<IdSesion> = estado
            .interesados
            .get(&id_reserva)
            .map(|sesiones| sesiones.iter().copied().collect())
            .unwrap_or_default();
        if sesiones.is_empty() {
            if self.retencion > Duration::ZERO {
                if estado.huerfanos.len() >= Self::MAXIMO_HUERFANOS {
                    estado.huerfanos.pop_front();
                }
                estado.huerfanos.push_back(Huerfano {
                    llegada: Instant::now(),
                    id_reserva,
                    salida,
                });
            }
            return Entrega::default();
        }
        let mut entrega = Entrega::default();
        for sesion in sesiones {
            if estado.encolar(sesion, salida.clone()) {
                entrega.entregadas += 1;
            } else {
                entrega.expulsadas += 1;
            }
        }
        entrega
    }

    /// Forgets `sesion` and the reservations it waited for.
    pub fn cerrar_sesion(&self, sesion: IdSesion) {
        self.estado().quitar(sesion);
    }

    /// Drops every session: their queues end and their sockets close (shutdown).
    pub fn cerrar_todas(&self) {
        let mut estado = self.estado();
        estado.sesiones.clear();
        estado.interesados.clear();
        estado.huerfanos.clear();
    }

    /// How many sessions are open.
    pub fn sesiones(&self) -> usize {
        self.estado().sesiones.len()
    }

    /// How many sessions wait for `id_reserva`.
    pub fn interesados_en(&self, id_reserva: Uuid) -> usize {
        self.estado()
            .interesados
            .get(&id_reserva)
            .map_or(0, HashSet::len)
    }

    fn estado(&self) -> MutexGuard<'_, Estado> {
        // Every change of the table is completed under the lock, so a panic elsewhere
        // cannot leave it half-written: the poisoned state is still consistent.
        self.estado.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Enrutador {
    fn default() -> Self {
        Self::new(Self::CAPACIDAD, Self::RETENCION)
    }
}

impl Estado {
    /// Queues `salida` for `sesion`, dropping the session if its queue is full or closed.
    fn encolar(&mut self, sesion: IdSesion, salida: Salida) -> bool {
        let Some(buzon) = self.sesiones.get(&sesion) else {
            return false;
        };
        match buzon.cola.try_send(salida) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::warn!(
                    sesion = sesion.0,
                    "la sesión no lee sus mensajes a tiempo: se cierra"
                );
                self.quitar(sesion);
                false
            }
            Err(TrySendError::Closed(_)) => {
                self.quitar(sesion);
                false
            }
        }
    }

    fn quitar(&mut self, sesion: IdSesion) {
        let Some(buzon) = self.sesiones.remove(&sesion) else {
            return;
        };
        for id_reserva in buzon.reservas {
            if let Some(sesiones) = self.interesados.get_mut(&id_reserva) {
                sesiones.remove(&sesion);
                if sesiones.is_empty() {
                    self.interesados.remove(&id_reserva);
                }
            }
        }
    }

    fn olvidar_huerfanos_anteriores_a(&mut self, limite: Option<Instant>) {
        let Some(limite) = limite else { return };
        while self
            .huerfanos
            .front()
            .is_some_and(|huerfano| huerfano.llegada < limite)
        {
            self.huerfanos.pop_front();
        }
    }
}

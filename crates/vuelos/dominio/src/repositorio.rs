//! The port through which the application stores and finds reservations.

use seedwork_dominio::ErrorPersistencia;

use crate::estado::EstadoReserva;
use crate::ids::IdReserva;
use crate::reserva::Reserva;

/// Which reservations a listing wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiltroReservas {
    Todas,
    ConEstado(EstadoReserva),
    /// Not yet paid and still alive: `Pendiente` or `Aprobada`.
    NoPagadas,
}

/// A window over a listing, newest reservations first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagina {
    pub limite: u32,
    pub desplazamiento: u32,
}

impl Pagina {
    pub const LIMITE_MAXIMO: u32 = 1000;
}

impl Default for Pagina {
    fn default() -> Self {
        Self {
            limite: 100,
            desplazamiento: 0,
        }
    }
}

/// Stores reservations inside the current unit of work.
///
/// Implementations run inside an open transaction: nothing they write is visible to others
/// before the unit of work commits. Saving (`agregar`, `actualizar`) takes the
/// reservation's pending domain events and hands them to that unit of work, which
/// dispatches them before commit: callers never hand events over themselves. Errors: `Duplicado` when `agregar` finds the id taken,
/// `NoDisponible` when the store is busy or unreachable, `DatosInvalidos` when a stored row
/// no longer makes a valid reservation, `Inesperado` otherwise.
pub trait RepositorioReservas {
    fn obtener_por_id(&mut self, id: IdReserva) -> Result<Option<Reserva>, ErrorPersistencia>;
    fn obtener(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<Reserva>, ErrorPersistencia>;
    fn agregar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia>;
    /// Saves the new state of a reservation that exists.
    fn actualizar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia>;
}

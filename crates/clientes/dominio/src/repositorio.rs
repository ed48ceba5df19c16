//! The repository port of the `Usuario` aggregate, implemented by the infrastructure.

use seedwork_dominio::ErrorPersistencia;

use crate::email::Email;
use crate::ids::{IdReservaCliente, IdUsuario};
use crate::usuario::Usuario;

/// Stores and loads users.
///
/// Synchronous on purpose: an implementation is bound to one open transaction (the
/// application obtains it from its repository factory inside a unit of work) and runs on
/// a thread that may block. Every method takes `&mut self` because database connections
/// need exclusive access.
///
/// Saving (`agregar`, `actualizar`) takes the user's pending domain events and hands them
/// to that unit of work, which dispatches them before commit: callers never hand events
/// over themselves. A save that fails takes nothing.
///
/// Errors every method may return: [`ErrorPersistencia::NoDisponible`] when the store is
/// busy or unreachable (the caller may retry), [`ErrorPersistencia::Conflicto`] when the
/// store refused the transaction because of a concurrent change (serialization failure),
/// [`ErrorPersistencia::DatosInvalidos`] when a
/// stored row cannot be rebuilt into a valid `Usuario` (a value object refuses it), and
/// [`ErrorPersistencia::Inesperado`] for anything else. Reads of something absent are not
/// errors: they answer `None`, `false` or an empty list.
/// A user as a request on its behalf sees it (see [`RepositorioUsuarios::acceso`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccesoUsuario {
    pub email: Email,
    pub activo: bool,
}

pub trait RepositorioUsuarios: Send {
    fn obtener_por_id(&mut self, id: IdUsuario) -> Result<Option<Usuario>, ErrorPersistencia>;

    /// Looks a user up by e-mail. `Email` is already lower-cased, so an exact match is a
    /// case-insensitive one.
    fn obtener_por_email(&mut self, email: &Email) -> Result<Option<Usuario>, ErrorPersistencia>;

    /// Whether some user, active or not, has this e-mail.
    fn existe_email(&mut self, email: &Email) -> Result<bool, ErrorPersistencia>;

    /// The user without its reservation list, for a change that only adds to it (a new
    /// reservation): what it costs does not grow with the user's history. Saving it with
    /// [`RepositorioUsuarios::actualizar`] stores the reservations added since, after the
    /// ones stored.
    fn obtener_para_agregar(&mut self, id: IdUsuario)
        -> Result<Option<Usuario>, ErrorPersistencia>;

    /// Whether the user holds the reservation already (one indexed lookup).
    fn tiene_reserva(
        &mut self,
        id: IdUsuario,
        reserva: IdReservaCliente,
    ) -> Result<bool, ErrorPersistencia>;

    /// What a request on behalf of user `id` needs to know, read without the rest of the
    /// user (its reservations): its e-mail and whether it is active. `None` if no such
    /// user exists.
    fn acceso(&mut self, id: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia>;

    /// Every user, active or not, oldest registration first (ties broken by id).
    fn obtener_todos(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia>;

    /// The deactivated users, oldest registration first (ties broken by id).
    fn obtener_desactivados(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia>;

    /// Inserts a new user with all its state (reservations included).
    ///
    /// Must fail with [`ErrorPersistencia::Duplicado`] when a user with the same id or the
    /// same e-mail exists (the store keeps the e-mail unique, which closes the race
    /// between two registrations checked with `existe_email` at the same time).
    fn agregar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia>;

    /// Overwrites a stored user's state: state, reservations and `fecha_actualizacion`;
    /// the stored set of reservations becomes exactly `usuario.reservas()`.
    ///
    /// Must fail with [`ErrorPersistencia::Inesperado`] when no user has that id (the
    /// application always loads before it updates, so this means a concurrent deletion
    /// or a bug).
    fn actualizar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia>;
}

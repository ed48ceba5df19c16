//! The outbound ports of the vuelos application layer.

use vuelos_dominio::RepositorioReservas;

/// Gives the repository of reservations bound to an open transaction `Tx`.
///
/// The unit of work owns the transaction; this factory, implemented by an adapter, is how a
/// handler reaches a repository that reads and writes inside it.
pub trait FabricaRepositorios<Tx>: Clone + Send + Sync + 'static {
    type Reservas<'a>: RepositorioReservas
    where
        Tx: 'a;

    fn reservas<'a>(&self, tx: &'a mut Tx) -> Self::Reservas<'a>;
}

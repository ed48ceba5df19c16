//! What the routes share: the application ports of every module, chosen by the
//! composition root. The routes name no adapter: each port here is a trait.

use std::sync::Arc;

use clientes_aplicacion::{Clientes, EmisorTokens, ErrorToken};
use clientes_dominio::IdUsuario;
use seedwork_dominio::Causa;
use vuelos_aplicacion::Vuelos;

/// Checks bearer tokens (any [`EmisorTokens`] is one).
pub trait VerificadorTokens: Send + Sync + 'static {
    /// The user a valid, unexpired token was issued to.
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken>;
}

impl<T: EmisorTokens> VerificadorTokens for T {
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken> {
        EmisorTokens::verificar(self, token)
    }
}

/// Whether what the service needs answers (`/health`). It may block: the route runs it on
/// a blocking thread.
pub trait Salud: Send + Sync + 'static {
    /// `Err` with the cause when the database does not answer.
    fn verificar(&self) -> Result<(), Causa>;
}

/// The application as the routes see it.
pub struct Contexto {
    /// The vuelos module: its one entry point.
    pub vuelos: Arc<dyn Vuelos>,
    /// The clientes module: its one entry point.
    pub clientes: Arc<dyn Clientes>,
    pub tokens: Arc<dyn VerificadorTokens>,
    pub salud: Arc<dyn Salud>,
}

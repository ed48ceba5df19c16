//! The outbound ports of the clientes application layer: the repository factory, the
//! password hasher and the token issuer.

use chrono::{DateTime, Utc};
use clientes_dominio::{HashPassword, IdUsuario, RepositorioUsuarios};
use seedwork_dominio::Causa;

use crate::password::PasswordPlano;

/// Gives the repository of users bound to an open transaction `Tx`.
///
/// The unit of work owns the transaction; this factory, implemented by an adapter, is how a
/// handler (or a domain-event handler) reaches a repository that reads and writes inside it.
pub trait FabricaRepositorioUsuarios<Tx>: Clone + Send + Sync + 'static {
    type Usuarios<'a>: RepositorioUsuarios
    where
        Tx: 'a;

    fn usuarios<'a>(&self, tx: &'a mut Tx) -> Self::Usuarios<'a>;
}

/// The hashing or verification machinery failed (not: the password was wrong).
#[derive(Debug, thiserror::Error)]
#[error("no se pudo procesar la contraseña")]
pub struct ErrorHasher(#[source] pub Causa);

/// Turns clear passwords into salted, slow hashes and checks passwords against them.
///
/// Both methods are CPU-heavy on purpose and synchronous: handlers call them inside the
/// unit of work's closure, which runs off the async executor.
pub trait HasherPasswords: Clone + Send + Sync + 'static {
    /// A fresh salted hash of `password`.
    fn hashear(&self, password: &PasswordPlano) -> Result<HashPassword, ErrorHasher>;

    /// `Ok(false)` when the password does not match; `Err` only when `hash` cannot be
    /// read or the machinery fails.
    fn verificar(&self, password: &PasswordPlano, hash: &HashPassword)
        -> Result<bool, ErrorHasher>;
}

/// A signed access token and the instant it stops being accepted.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenAcceso {
    pub token: String,
    pub expira: DateTime<Utc>,
}

impl std::fmt::Debug for TokenAcceso {
    /// A token is a credential: it is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAcceso")
            .field("token", &"***")
            .field("expira", &self.expira)
            .finish()
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ErrorToken {
    /// Malformed, badly signed, signed for someone else, or missing claims.
    #[error("token inválido")]
    Invalido,
    /// Well signed, but past its expiry.
    #[error("token expirado")]
    Expirado,
}

/// A token could not be signed (a bug or a misconfiguration).
#[derive(Debug, thiserror::Error)]
#[error("no se pudo emitir el token")]
pub struct ErrorEmisionToken(#[source] pub Causa);

/// Issues signed, expiring tokens that name a user, and checks them.
pub trait EmisorTokens: Clone + Send + Sync + 'static {
    fn emitir(&self, id_usuario: IdUsuario) -> Result<TokenAcceso, ErrorEmisionToken>;

    /// The user a valid, unexpired token was issued to.
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken>;
}

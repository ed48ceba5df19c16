//! The clientes queries on a query service: a read model of users in its own database,
//! fed by clientes' integration events ([`VistaUsuarios`]), and the reservations of each
//! client as the vuelos read model of the same service knows them ([`ReservasDeCliente`],
//! wired by the composition root, where the two modules meet). [`ConsultasVistaClientes`]
//! answers [`ConsultasClientes`] from them alone.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use clientes_dominio::{AccesoUsuario, Email, IdUsuario};
use seedwork_aplicacion::UnidadTrabajo;
use seedwork_dominio::ErrorPersistencia;
use uuid::Uuid;

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::queries::obtener_acceso::{Acceso, ObtenerAcceso};
use crate::queries::obtener_todos_usuarios::ObtenerTodosUsuarios;
use crate::queries::obtener_usuario::ObtenerUsuario;
use crate::queries::obtener_usuarios_desactivados::ObtenerUsuariosDesactivados;
use crate::servicio::ConsultasClientes;

/// The read model of users, read inside a transaction. Its users come without their
/// reservations (see [`ReservasDeCliente`]).
///
/// Errors: `NoDisponible` when the store is busy or unreachable, `DatosInvalidos` when a
/// row no longer reads as a user, `Inesperado` otherwise.
pub trait VistaUsuarios {
    /// The user, once its registration has been seen.
    fn usuario(&mut self, id: IdUsuario) -> Result<Option<UsuarioDTO>, ErrorPersistencia>;
    /// The user's e-mail and state only, once its registration has been seen: read on
    /// every request with a token.
    fn acceso(&mut self, id: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia>;
    /// Every registered user (or the deactivated ones only), oldest registration first.
    fn listar(&mut self, solo_desactivados: bool) -> Result<Vec<UsuarioDTO>, ErrorPersistencia>;
}

/// Gives the read model of users bound to an open transaction `Tx`.
pub trait FabricaVistaUsuarios<Tx>: Clone + Send + Sync + 'static {
    type Vista<'a>: VistaUsuarios
    where
        Tx: 'a;

    fn vista<'a>(&self, tx: &'a mut Tx) -> Self::Vista<'a>;
}

/// The reservations of a client, oldest first, as another read model of the same database
/// knows them.
pub trait ReservasDeCliente<Tx>: Send + Sync + 'static {
    fn reservas(&self, tx: &mut Tx, id: IdUsuario) -> Result<Vec<Uuid>, ErrorPersistencia>;
}

/// The queries of clientes answered from a read model: a query service's application.
pub struct ConsultasVistaClientes<U, F, R> {
    uow: U,
    fabrica: F,
    reservas: Arc<R>,
    personal: Arc<BTreeSet<Email>>,
}

impl<U, F, R> ConsultasVistaClientes<U, F, R> {
    /// Staff are the users whose e-mail is in `personal`, as on the command service.
    pub fn new(uow: U, fabrica: F, reservas: R, personal: BTreeSet<Email>) -> Self {
        Self {
            uow,
            fabrica,
            reservas: Arc::new(reservas),
            personal: Arc::new(personal),
        }
    }
}

impl<U, F, R> ConsultasVistaClientes<U, F, R>
where
    U: UnidadTrabajo,
    F: FabricaVistaUsuarios<U::Transaccion>,
    R: ReservasDeCliente<U::Transaccion>,
{
    async fn listar(&self, solo_desactivados: bool) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        let (fabrica, reservas) = (self.fabrica.clone(), self.reservas.clone());
        self.uow
            .consultar(move |tx| {
                let mut usuarios = fabrica.vista(tx).listar(solo_desactivados)?;
                for usuario in &mut usuarios {
                    usuario.reservas = reservas.reservas(tx, IdUsuario::from(usuario.id))?;
                }
                Ok(usuarios)
            })
            .await
    }
}

#[async_trait]
impl<U, F, R> ConsultasClientes for ConsultasVistaClientes<U, F, R>
where
    U: UnidadTrabajo,
    F: FabricaVistaUsuarios<U::Transaccion>,
    R: ReservasDeCliente<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_usuario_vista", skip_all, fields(id_usuario = %query.id))]
    async fn obtener(&self, query: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        let (fabrica, reservas) = (self.fabrica.clone(), self.reservas.clone());
        self.uow
            .consultar(move |tx| {
                let mut usuario = fabrica
                    .vista(tx)
                    .usuario(query.id)?
                    .ok_or(ErrorClientes::NoEncontrado(query.id))?;
                usuario.reservas = reservas.reservas(tx, query.id)?;
                Ok(usuario)
            })
            .await
    }

    #[tracing::instrument(name = "obtener_acceso_vista", skip_all, fields(id_usuario = %query.id))]
    async fn acceso(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes> {
        let (fabrica, personal) = (self.fabrica.clone(), self.personal.clone());
        self.uow
            .consultar(move |tx| {
                Ok(match fabrica.vista(tx).acceso(query.id)? {
                    Some(acceso) if !acceso.activo => Acceso::Ninguno,
                    Some(acceso) if personal.contains(&acceso.email) => Acceso::Personal,
                    Some(_) => Acceso::Cliente,
                    None => Acceso::Ninguno,
                })
            })
            .await
    }

    async fn listar_todos(
        &self,
        _: ObtenerTodosUsuarios,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.listar(false).await
    }

    async fn listar_desactivados(
        &self,
        _: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.listar(true).await
    }
}

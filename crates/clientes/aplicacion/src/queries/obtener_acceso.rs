//! `ObtenerAcceso`: on whose behalf a request carrying a user's token may act, decided on
//! every request, so that a deactivation takes effect at once (the user's tokens stop
//! working) and the staff list of the configuration is the only source of staff rights.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use clientes_dominio::{Email, IdUsuario, RepositorioUsuarios};
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};

use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;

/// What a user's token lets a request do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceso {
    /// The user does not exist or is deactivated: its tokens are refused.
    Ninguno,
    /// A client: its own data and reservations.
    Cliente,
    /// Staff (its e-mail is in the configured staff list): every user and reservation.
    Personal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObtenerAcceso {
    pub id: IdUsuario,
}

impl Query for ObtenerAcceso {
    type Respuesta = Acceso;
    /// `Persistencia`.
    type Error = ErrorClientes;
}

/// Reads the user's e-mail and state only (not its reservations): it runs on every
/// authenticated request.
pub struct ManejadorObtenerAcceso<U, F> {
    uow: U,
    fabrica: F,
    personal: Arc<BTreeSet<Email>>,
}

impl<U, F> ManejadorObtenerAcceso<U, F> {
    /// Staff are the users whose e-mail is in `personal`.
    pub fn new(uow: U, fabrica: F, personal: BTreeSet<Email>) -> Self {
        Self {
            uow,
            fabrica,
            personal: Arc::new(personal),
        }
    }

    /// The same handler with another staff list.
    pub fn con_personal(self, personal: BTreeSet<Email>) -> Self {
        Self {
            personal: Arc::new(personal),
            ..self
        }
    }
}

#[async_trait]
impl<U, F> ManejadorQuery<ObtenerAcceso> for ManejadorObtenerAcceso<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_acceso", skip_all, fields(id_usuario = %query.id))]
    async fn manejar(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes> {
        let (fabrica, personal) = (self.fabrica.clone(), self.personal.clone());
        self.uow
            .consultar(move |tx| {
                Ok(match fabrica.usuarios(tx).acceso(query.id)? {
                    Some(acceso) if !acceso.activo => Acceso::Ninguno,
                    Some(acceso) if personal.contains(&acceso.email) => Acceso::Personal,
                    Some(_) => Acceso::Cliente,
                    None => Acceso::Ninguno,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruebas::{usuario_natural, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    fn email(texto: &str) -> Email {
        Email::parse(texto).unwrap()
    }

    #[tokio::test]
    async fn a_client_staff_by_configuration_and_a_deactivated_or_unknown_user_are_told_apart() {
        let uow = UnidadTrabajoEnMemoria::default();
        let ana = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let jefa = uow.con_usuario(usuario_natural("jefa@aeroalpes.co"));
        let mut baja = usuario_natural("baja@gmail.com");
        assert!(baja.desactivar(chrono::Utc::now()));
        let baja = uow.con_usuario(baja);
        let manejador = ManejadorObtenerAcceso::new(
            uow,
            FabricaEnMemoria,
            BTreeSet::from([email("jefa@aeroalpes.co")]),
        );
        let acceso = |id| manejador.manejar(ObtenerAcceso { id });
        assert_eq!(acceso(ana).await.unwrap(), Acceso::Cliente);
        assert_eq!(acceso(jefa).await.unwrap(), Acceso::Personal);
        assert_eq!(acceso(baja).await.unwrap(), Acceso::Ninguno);
        assert_eq!(acceso(IdUsuario::nuevo()).await.unwrap(), Acceso::Ninguno);
    }
}

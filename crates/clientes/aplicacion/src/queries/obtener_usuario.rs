//! `ObtenerUsuario`: one user by id.

use async_trait::async_trait;
use clientes_dominio::{IdUsuario, RepositorioUsuarios};
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObtenerUsuario {
    pub id: IdUsuario,
}

impl Query for ObtenerUsuario {
    type Respuesta = UsuarioDTO;
    /// `NoEncontrado`, `Persistencia`.
    type Error = ErrorClientes;
}

pub struct ManejadorObtenerUsuario<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorObtenerUsuario<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ManejadorQuery<ObtenerUsuario> for ManejadorObtenerUsuario<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_usuario", skip_all, fields(id_usuario = %query.id))]
    async fn manejar(&self, query: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        let fabrica = self.fabrica.clone();
        self.uow
            .consultar(move |tx| {
                let usuario = fabrica.usuarios(tx).obtener_por_id(query.id)?;
                usuario
                    .as_ref()
                    .map(UsuarioDTO::from)
                    .ok_or(ErrorClientes::NoEncontrado(query.id))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruebas::{usuario_natural, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    #[tokio::test]
    async fn given_a_stored_user_when_asking_for_it_then_it_is_answered() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));

        let dto = ManejadorObtenerUsuario::new(uow, FabricaEnMemoria)
            .manejar(ObtenerUsuario { id })
            .await
            .unwrap();

        assert_eq!(dto.id, id.uuid());
        assert_eq!(dto.email, "ana@gmail.com");
    }

    #[tokio::test]
    async fn given_an_unknown_id_when_asking_for_it_then_no_encontrado() {
        let id = IdUsuario::nuevo();
        let error =
            ManejadorObtenerUsuario::new(UnidadTrabajoEnMemoria::default(), FabricaEnMemoria)
                .manejar(ObtenerUsuario { id })
                .await
                .unwrap_err();
        assert!(matches!(error, ErrorClientes::NoEncontrado(ref otro) if *otro == id));
    }
}

//! `ObtenerUsuariosDesactivados`: the deactivated users, oldest registration first.

use async_trait::async_trait;
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;
use crate::queries::listar;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObtenerUsuariosDesactivados;

impl Query for ObtenerUsuariosDesactivados {
    type Respuesta = Vec<UsuarioDTO>;
    /// `Persistencia`.
    type Error = ErrorClientes;
}

pub struct ManejadorObtenerUsuariosDesactivados<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorObtenerUsuariosDesactivados<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ManejadorQuery<ObtenerUsuariosDesactivados>
    for ManejadorObtenerUsuariosDesactivados<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_usuarios_desactivados", skip_all)]
    async fn manejar(
        &self,
        _: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        listar(&self.uow, &self.fabrica, |repositorio| {
            repositorio.obtener_desactivados()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruebas::{ahora, usuario_natural, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    #[tokio::test]
    async fn given_active_and_deactivated_users_when_listing_the_deactivated_then_only_they_come() {
        let uow = UnidadTrabajoEnMemoria::default();
        uow.con_usuario(usuario_natural("ana@gmail.com"));
        let mut luis = usuario_natural("luis@gmail.com");
        luis.desactivar(ahora());
        let desactivado = uow.con_usuario(luis);

        let usuarios = ManejadorObtenerUsuariosDesactivados::new(uow, FabricaEnMemoria)
            .manejar(ObtenerUsuariosDesactivados)
            .await
            .unwrap();

        assert_eq!(usuarios.len(), 1);
        assert_eq!(usuarios[0].id, desactivado.uuid());
        assert!(!usuarios[0].activo);
    }

    #[tokio::test]
    async fn given_only_active_users_when_listing_the_deactivated_then_the_list_is_empty() {
        let uow = UnidadTrabajoEnMemoria::default();
        uow.con_usuario(usuario_natural("ana@gmail.com"));
        let usuarios = ManejadorObtenerUsuariosDesactivados::new(uow, FabricaEnMemoria)
            .manejar(ObtenerUsuariosDesactivados)
            .await
            .unwrap();
        assert!(usuarios.is_empty());
    }
}

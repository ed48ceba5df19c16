//! `ObtenerTodosUsuarios`: every user, active or not, oldest registration first.

use async_trait::async_trait;
use seedwork_aplicacion::{ManejadorQuery, Query, UnidadTrabajo};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;
use crate::queries::listar;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObtenerTodosUsuarios;

impl Query for ObtenerTodosUsuarios {
    type Respuesta = Vec<UsuarioDTO>;
    /// `Persistencia`.
    type Error = ErrorClientes;
}

pub struct ManejadorObtenerTodosUsuarios<U, F> {
    uow: U,
    fabrica: F,
}

impl<U, F> ManejadorObtenerTodosUsuarios<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self { uow, fabrica }
    }
}

#[async_trait]
impl<U, F> ManejadorQuery<ObtenerTodosUsuarios> for ManejadorObtenerTodosUsuarios<U, F>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
{
    #[tracing::instrument(name = "obtener_todos_usuarios", skip_all)]
    async fn manejar(&self, _: ObtenerTodosUsuarios) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        listar(&self.uow, &self.fabrica, |repositorio| {
            repositorio.obtener_todos()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use clientes_dominio::{DatosUsuario, EstadoUsuario, Usuario};
    use seedwork_dominio::ErrorPersistencia;

    use super::*;
    use crate::pruebas::{
        ahora, usuario_empresa, usuario_natural, FabricaEnMemoria, UnidadTrabajoEnMemoria,
    };

    fn registrado_hace(dias: i64, usuario: Usuario) -> Usuario {
        let fecha = ahora() - TimeDelta::days(dias);
        Usuario::reconstruir(DatosUsuario {
            estado: EstadoUsuario::Desactivado,
            reservas: Vec::new(),
            fecha_creacion: fecha,
            fecha_actualizacion: fecha,
            ..usuario.datos()
        })
    }

    #[tokio::test]
    async fn given_active_and_deactivated_users_when_listing_all_then_every_one_comes_oldest_first()
    {
        let uow = UnidadTrabajoEnMemoria::default();
        let reciente = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let antiguo = uow.con_usuario(registrado_hace(30, usuario_empresa("ventas@aeroalpes.co")));

        let usuarios = ManejadorObtenerTodosUsuarios::new(uow, FabricaEnMemoria)
            .manejar(ObtenerTodosUsuarios)
            .await
            .unwrap();

        let ids: Vec<_> = usuarios.iter().map(|u| u.id).collect();
        assert_eq!(ids, [antiguo.uuid(), reciente.uuid()]);
    }

    #[tokio::test]
    async fn given_no_users_when_listing_all_then_the_list_is_empty() {
        let usuarios =
            ManejadorObtenerTodosUsuarios::new(UnidadTrabajoEnMemoria::default(), FabricaEnMemoria)
                .manejar(ObtenerTodosUsuarios)
                .await
                .unwrap();
        assert!(usuarios.is_empty());
    }

    #[tokio::test]
    async fn given_a_store_that_is_down_when_listing_all_then_the_store_error_is_reported() {
        let uow = UnidadTrabajoEnMemoria::que_falla_al_confirmar(|| {
            ErrorPersistencia::no_disponible("caída")
        });
        let error = ManejadorObtenerTodosUsuarios::new(uow, FabricaEnMemoria)
            .manejar(ObtenerTodosUsuarios)
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ErrorClientes::Persistencia(ErrorPersistencia::NoDisponible(_))
        ));
    }
}

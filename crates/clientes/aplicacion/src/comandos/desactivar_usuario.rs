//! `DesactivarUsuario`: stop a user from authenticating and taking on reservations.

use async_trait::async_trait;
use clientes_dominio::{IdUsuario, RepositorioUsuarios};
use seedwork_aplicacion::{Comando, ManejadorComando, Reloj, RelojSistema, UnidadTrabajo};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;

/// Deactivate a user. Deactivating a deactivated user succeeds and changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DesactivarUsuario {
    pub id: IdUsuario,
}

impl Comando for DesactivarUsuario {
    /// The user after the change.
    type Respuesta = UsuarioDTO;
    /// `NoEncontrado`, `Persistencia`.
    type Error = ErrorClientes;
}

pub struct ManejadorDesactivarUsuario<U, F, R = RelojSistema> {
    uow: U,
    fabrica: F,
    reloj: R,
}

impl<U, F> ManejadorDesactivarUsuario<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self::con_reloj(uow, fabrica, RelojSistema)
    }
}

impl<U, F, R> ManejadorDesactivarUsuario<U, F, R> {
    pub fn con_reloj(uow: U, fabrica: F, reloj: R) -> Self {
        Self {
            uow,
            fabrica,
            reloj,
        }
    }
}

#[async_trait]
impl<U, F, R> ManejadorComando<DesactivarUsuario> for ManejadorDesactivarUsuario<U, F, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    R: Reloj,
{
    #[tracing::instrument(name = "desactivar_usuario", skip_all, fields(id_usuario = %comando.id))]
    async fn manejar(&self, comando: DesactivarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        let (fabrica, ahora) = (self.fabrica.clone(), self.reloj.ahora());
        self.uow
            .ejecutar(move |tx| {
                let mut repositorio = fabrica.usuarios(tx);
                let mut usuario = repositorio
                    .obtener_por_id(comando.id)?
                    .ok_or(ErrorClientes::NoEncontrado(comando.id))?;
                if usuario.desactivar(ahora) {
                    repositorio.actualizar(&mut usuario)?;
                }
                Ok(UsuarioDTO::from(&usuario))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use seedwork_pruebas::RelojFijo;

    use super::*;
    use crate::pruebas::{ahora, usuario_natural, FabricaEnMemoria, UnidadTrabajoEnMemoria};

    fn manejador(
        uow: &UnidadTrabajoEnMemoria,
    ) -> ManejadorDesactivarUsuario<UnidadTrabajoEnMemoria, FabricaEnMemoria, RelojFijo> {
        let despues = ahora() + TimeDelta::days(1);
        ManejadorDesactivarUsuario::con_reloj(
            uow.clone(),
            FabricaEnMemoria,
            RelojFijo::new(despues),
        )
    }

    #[tokio::test]
    async fn given_an_active_user_when_deactivating_then_it_is_stored_deactivated_and_the_event_dispatched(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));

        let dto = manejador(&uow)
            .manejar(DesactivarUsuario { id })
            .await
            .unwrap();

        assert!(!dto.activo);
        assert_eq!(dto.fecha_actualizacion, "2026-06-16T10:00:00Z");
        assert!(!uow.usuario(id).unwrap().esta_activo());
        assert_eq!(uow.eventos_despachados(), ["UsuarioDesactivado"]);
    }

    #[tokio::test]
    async fn given_a_deactivated_user_when_deactivating_again_then_it_succeeds_and_nothing_is_dispatched(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let mut usuario = usuario_natural("ana@gmail.com");
        usuario.desactivar(ahora());
        let id = uow.con_usuario(usuario);

        let dto = manejador(&uow)
            .manejar(DesactivarUsuario { id })
            .await
            .unwrap();

        assert!(!dto.activo);
        assert_eq!(dto.fecha_actualizacion, "2026-06-15T10:00:00Z");
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_an_unknown_id_when_deactivating_then_no_encontrado() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = IdUsuario::nuevo();
        let error = manejador(&uow)
            .manejar(DesactivarUsuario { id })
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorClientes::NoEncontrado(otro) if otro == id));
    }
}

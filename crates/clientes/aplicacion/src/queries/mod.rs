//! The queries of the clientes module, one file each (message, handler and tests).

pub mod obtener_acceso;
pub mod obtener_todos_usuarios;
pub mod obtener_usuario;
pub mod obtener_usuarios_desactivados;

use clientes_dominio::{RepositorioUsuarios, Usuario};
use seedwork_aplicacion::UnidadTrabajo;
use seedwork_dominio::ErrorPersistencia;

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;

/// One of the repository's listings.
type Listado = fn(&mut dyn RepositorioUsuarios) -> Result<Vec<Usuario>, ErrorPersistencia>;

/// Reads a listing of users in one unit of work and answers it as DTOs.
async fn listar<U, F>(
    uow: &U,
    fabrica: &F,
    listado: Listado,
) -> Result<Vec<UsuarioDTO>, ErrorClientes>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
{
    let fabrica = fabrica.clone();
    uow.consultar(move |tx| {
        let usuarios = listado(&mut fabrica.usuarios(tx))?;
        Ok(usuarios.iter().map(UsuarioDTO::from).collect())
    })
    .await
}

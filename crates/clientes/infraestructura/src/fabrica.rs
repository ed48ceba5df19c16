//! Binds the repository of users to the unit of work's open transaction.

use clientes_aplicacion::FabricaRepositorioUsuarios;
use seedwork_persistencia::TransaccionDiesel;

use crate::repositorio::RepositorioUsuariosDiesel;

#[derive(Debug, Clone, Copy, Default)]
pub struct FabricaRepositorioUsuariosDiesel;

impl FabricaRepositorioUsuarios<TransaccionDiesel> for FabricaRepositorioUsuariosDiesel {
    type Usuarios<'a> = RepositorioUsuariosDiesel<'a>;

    fn usuarios<'a>(&self, tx: &'a mut TransaccionDiesel) -> RepositorioUsuariosDiesel<'a> {
        RepositorioUsuariosDiesel::new(tx)
    }
}

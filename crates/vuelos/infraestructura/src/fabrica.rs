//! Binds the repository of reservations to the unit of work's open transaction.

use seedwork_infraestructura::TransaccionDiesel;
use vuelos_aplicacion::FabricaRepositorios;

use crate::repositorio::RepositorioReservasDiesel;

#[derive(Debug, Clone, Copy, Default)]
pub struct FabricaRepositoriosDiesel;

impl FabricaRepositorios<TransaccionDiesel> for FabricaRepositoriosDiesel {
    type Reservas<'a> = RepositorioReservasDiesel<'a>;

    fn reservas<'a>(&self, tx: &'a mut TransaccionDiesel) -> RepositorioReservasDiesel<'a> {
        RepositorioReservasDiesel::new(tx.conexion())
    }
}

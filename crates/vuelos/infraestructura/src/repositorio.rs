//! The diesel repository of reservations.
//!
//! A reservation is one row; its itinerary, a value object always read and written whole,
//! is a JSON column in this crate's own storage records ([`crate::registro_itinerario`]). Updates are optimistic: each row carries a version,
//! and an update that finds another version than the one it read fails with `Conflicto`
//! instead of overwriting a concurrent change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use seedwork_aplicacion::Transaccion;
use seedwork_dominio::{Causa, Entidad, ErrorPersistencia};
use seedwork_persistencia::{de_diesel, TransaccionDiesel, Versiones};
use vuelos_dominio::{
    DatosReserva, EstadoReserva, FiltroReservas, IdCliente, IdReserva, Pagina, RepositorioReservas,
    Reserva,
};

use crate::esquema::reservas;
use crate::registro_itinerario;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = reservas)]
struct FilaReserva {
    id: String,
    id_cliente: Option<String>,
    estado: String,
    itinerarios: String,
    fecha_creacion: NaiveDateTime,
    fecha_actualizacion: NaiveDateTime,
    version: i64,
}

/// The reservations, read and written inside a unit of work's transaction; saving hands
/// the reservation's events to that transaction.
pub struct RepositorioReservasDiesel<'a> {
    tx: &'a mut TransaccionDiesel,
    /// The version of each reservation as this repository read it.
    versiones: Versiones<IdReserva>,
}

impl<'a> RepositorioReservasDiesel<'a> {
    pub fn new(tx: &'a mut TransaccionDiesel) -> Self {
        Self {
            tx,
            versiones: Versiones::default(),
        }
    }

    /// The transaction this repository works in.
    pub fn transaccion(&mut self) -> &mut TransaccionDiesel {
        self.tx
    }

    fn a_dominio(&mut self, fila: FilaReserva) -> Result<Reserva, ErrorPersistencia> {
        let invalido = |que: &str, causa: Causa| {
            ErrorPersistencia::datos_invalidos(format!("reserva {}: {que}", fila.id), causa)
        };
        let id = IdReserva::parse(&fila.id).map_err(|e| invalido("id", e.into()))?;
        let id_cliente = fila
            .id_cliente
            .as_deref()
            .map(IdCliente::parse)
            .transpose()
            .map_err(|e| invalido("id_cliente", e.into()))?;
        let estado: EstadoReserva = fila
            .estado
            .parse()
            .map_err(|e: seedwork_dominio::ReglaIncumplida| invalido("estado", e.into()))?;
        let itinerarios = registro_itinerario::leer(&fila.itinerarios)
            .map_err(|e| invalido("itinerarios", e.into()))?;
        self.versiones.registrar(id, fila.version);
        Ok(Reserva::reconstruir(DatosReserva {
            id,
            id_cliente,
            estado,
            itinerarios,
            fecha_creacion: fila.fecha_creacion.and_utc(),
            fecha_actualizacion: fila.fecha_actualizacion.and_utc(),
        }))
    }
}

fn a_fila(reserva: &Reserva, version: i64) -> Result<FilaReserva, ErrorPersistencia> {
    Ok(FilaReserva {
        id: reserva.id().to_string(),
        id_cliente: reserva.id_cliente().map(|id| id.to_string()),
        estado: reserva.estado().to_string(),
        itinerarios: registro_itinerario::escribir(reserva.itinerarios())
            .map_err(ErrorPersistencia::inesperado)?,
        fecha_creacion: reserva.fecha_creacion().naive_utc(),
        fecha_actualizacion: reserva.fecha_actualizacion().naive_utc(),
        version,
    })
}

/// The states a listing's filter takes in; `None` for every state, which is no filter at
/// all (an `IN` of every state made the planner sort every row instead of reading the
/// index on the listing's order).
pub(crate) fn estados(filtro: FiltroReservas) -> Option<Vec<&'static str>> {
    use EstadoReserva::*;
    match filtro {
        FiltroReservas::Todas => None,
        FiltroReservas::ConEstado(estado) => Some(vec![estado.as_str()]),
        FiltroReservas::NoPagadas => Some(vec![Pendiente.as_str(), Aprobada.as_str()]),
    }
}

impl RepositorioReservas for RepositorioReservasDiesel<'_> {
    fn obtener_por_id(&mut self, id: IdReserva) -> Result<Option<Reserva>, ErrorPersistencia> {
        let fila = reservas::table
            .find(id.to_string())
            .select(FilaReserva::as_select())
            .first(self.tx.conexion())
            .optional()
            .map_err(de_diesel)?;
        fila.map(|fila| self.a_dominio(fila)).transpose()
    }

    fn obtener(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<Reserva>, ErrorPersistencia> {
        let mut consulta = reservas::table.into_boxed();
        if let Some(estados) = estados(filtro) {
            consulta = consulta.filter(reservas::estado.eq_any(estados));
        }
        let filas = consulta
            .order((reservas::fecha_creacion.desc(), reservas::id.desc()))
            .limit(i64::from(pagina.limite))
            .offset(i64::from(pagina.desplazamiento))
            .select(FilaReserva::as_select())
            .load(self.tx.conexion())
            .map_err(de_diesel)?;
        filas.into_iter().map(|fila| self.a_dominio(fila)).collect()
    }

    fn agregar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia> {
        diesel::insert_into(reservas::table)
            .values(a_fila(reserva, 1)?)
            .execute(self.tx.conexion())
            .map_err(de_diesel)?;
        self.versiones.registrar(reserva.id(), 1);
        self.tx.recoger_eventos(reserva);
        Ok(())
    }

    fn actualizar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia> {
        let id = reserva.id();
        let leida = self.versiones.base(id, "la reserva", || {
            // Not read through this repository: the stored version.
            reservas::table
                .find(id.to_string())
                .select(reservas::version)
                .first(self.tx.conexion())
                .optional()
                .map_err(de_diesel)
        })?;
        let fila = a_fila(reserva, leida + 1)?;
        let cambiadas = diesel::update(
            reservas::table
                .filter(reservas::id.eq(&fila.id))
                .filter(reservas::version.eq(leida)),
        )
        .set((
            reservas::id_cliente.eq(&fila.id_cliente),
            reservas::estado.eq(&fila.estado),
            reservas::itinerarios.eq(&fila.itinerarios),
            reservas::fecha_actualizacion.eq(fila.fecha_actualizacion),
            reservas::version.eq(fila.version),
        ))
        .execute(self.tx.conexion())
        .map_err(de_diesel)?;
        self.versiones
            .confirmar(id, "la reserva", cambiadas, fila.version)?;
        self.tx.recoger_eventos(reserva);
        Ok(())
    }
}

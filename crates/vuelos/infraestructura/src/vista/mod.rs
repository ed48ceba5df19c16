//! The read model of a query service (see `vuelos_aplicacion::vista`): its tables, in a
//! database of its own ([`MIGRACIONES_VISTA`]), read by [`VistaReservasDiesel`] and written
//! only by the projection ([`proyeccion`]) from the integration messages.
//!
//! Every change the projection makes commutes with the others: a reservation's row only
//! moves forward in the lifecycle, its creation fills in what a later event could not, and
//! a request is keyed by the id of its command's message whatever arrives first. The
//! messages travel on separate topics, so nothing else would keep them in order.

pub mod proyeccion;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_migrations::embed_migrations;
use seedwork_dominio::ErrorPersistencia;
use seedwork_persistencia::{de_diesel, Conexion, Migraciones, TransaccionDiesel};
use vuelos_aplicacion::dto::{ItinerarioDTO, ReservaDTO, UltimaSolicitudDTO};
use vuelos_aplicacion::mapeadores::formatear_fecha;
use vuelos_aplicacion::{EstadoSolicitud, FabricaVista, UltimaSolicitud, VistaReservas};

use crate::repositorio::estados;
pub use crate::solicitudes::accion_de;
use crate::solicitudes::{ultima_solicitud, APLICADA, EN_PROCESO, RECHAZADA};
use vuelos_dominio::{AccionReserva, EstadoReserva, FiltroReservas, IdReserva, Pagina};

/// The read model's tables, for a query service's database (with the seedwork's, for its
/// inbox).
pub const MIGRACIONES_VISTA: Migraciones = Migraciones::new(
    "vuelos-vista",
    embed_migrations!("migrations-vista/sqlite"),
    embed_migrations!("migrations-vista/postgres"),
);

diesel::table! {
    vista_reservas (id) {
        id -> Text,
        id_cliente -> Nullable<Text>,
        estado -> Text,
        rango -> Integer,
        itinerarios -> Nullable<Text>,
        fecha_creacion -> Timestamp,
        fecha_actualizacion -> Timestamp,
    }
}

diesel::table! {
    vista_solicitudes (id_mensaje) {
        id_mensaje -> Text,
        id_reserva -> Text,
        accion -> Nullable<Text>,
        estado -> Text,
        razon -> Nullable<Text>,
        fecha_aceptacion -> Nullable<Timestamp>,
        fecha -> Timestamp,
    }
}

diesel::table! {
    vista_generacion (fila) {
        fila -> Integer,
        id -> Text,
    }
}

/// How far along the lifecycle a state is: a row only ever moves to a higher rank.
pub fn rango(estado: EstadoReserva) -> i32 {
    match estado {
        EstadoReserva::Pendiente => 0,
        EstadoReserva::Aprobada => 1,
        EstadoReserva::Pagada | EstadoReserva::Cancelada => 2,
    }
}

/// The generation of the read model in this database: the one recorded, or a new one
/// recorded now (a new or rebuilt database). It names the projection's subscriptions.
/// Replicas starting at once on one new database agree: one row can exist, and whoever
/// loses the race to write it reads the winner's.
pub fn generacion(conexion: &mut Conexion) -> Result<String, ErrorPersistencia> {
    let leer = |conexion: &mut Conexion| {
        vista_generacion::table
            .select(vista_generacion::id)
            .first::<String>(conexion)
            .optional()
            .map_err(de_diesel)
    };
    if let Some(generacion) = leer(conexion)? {
        return Ok(generacion);
    }
    let nueva = uuid::Uuid::now_v7().simple().to_string();
    let escrita = diesel::insert_into(vista_generacion::table)
        .values((
            vista_generacion::fila.eq(1),
            vista_generacion::id.eq(&nueva),
        ))
        .execute(conexion)
        .map_err(de_diesel);
    match escrita {
        Ok(_) => Ok(nueva),
        Err(ErrorPersistencia::Duplicado(_)) => leer(conexion)?
            .ok_or_else(|| ErrorPersistencia::inesperado("la generación de la vista desapareció")),
        Err(error) => Err(error),
    }
}

/// Binds the read model to the unit of work's open transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct FabricaVistaDiesel;

impl FabricaVista<TransaccionDiesel> for FabricaVistaDiesel {
    type Vista<'a> = VistaReservasDiesel<'a>;

    fn vista<'a>(&self, tx: &'a mut TransaccionDiesel) -> VistaReservasDiesel<'a> {
        VistaReservasDiesel {
            conexion: tx.conexion(),
        }
    }
}

/// The read model, read inside a transaction.
pub struct VistaReservasDiesel<'a> {
    conexion: &'a mut Conexion,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vista_reservas)]
struct FilaVista {
    id: String,
    id_cliente: Option<String>,
    estado: String,
    itinerarios: Option<String>,
    fecha_creacion: NaiveDateTime,
    fecha_actualizacion: NaiveDateTime,
}

impl FilaVista {
    /// The answer a row holds (its itineraries are there: only complete rows are read).
    fn a_dto(self) -> Result<ReservaDTO, ErrorPersistencia> {
        let itinerarios: Vec<ItinerarioDTO> =
            serde_json::from_str(self.itinerarios.as_deref().unwrap_or("[]")).map_err(|e| {
                ErrorPersistencia::datos_invalidos(
                    format!("los itinerarios de la reserva {} en la vista", self.id),
                    e,
                )
            })?;
        Ok(ReservaDTO {
            id: self.id,
            id_cliente: self.id_cliente,
            estado: self.estado,
            fecha_creacion: formatear_fecha(self.fecha_creacion.and_utc()),
            fecha_actualizacion: formatear_fecha(self.fecha_actualizacion.and_utc()),
            itinerarios,
            ultima_solicitud: None,
        })
    }
}

impl VistaReservasDiesel<'_> {
    /// The latest lifecycle command accepted asynchronously on `id`, by when it was issued.
    fn ultima(&mut self, id: &str) -> Result<Option<UltimaSolicitud>, ErrorPersistencia> {
        let fila: Option<(Option<String>, String, Option<String>, NaiveDateTime)> =
            vista_solicitudes::table
                .filter(vista_solicitudes::id_reserva.eq(id))
                .filter(vista_solicitudes::accion.is_not_null())
                .filter(vista_solicitudes::fecha_aceptacion.is_not_null())
                .order((
                    vista_solicitudes::fecha_aceptacion.desc(),
                    vista_solicitudes::id_mensaje.desc(),
                ))
                .select((
                    vista_solicitudes::accion,
                    vista_solicitudes::estado,
                    vista_solicitudes::razon,
                    vista_solicitudes::fecha,
                ))
                .first(self.conexion)
                .optional()
                .map_err(de_diesel)?;
        fila.map(|(accion, estado, razon, fecha)| {
            let accion = accion.unwrap_or_default();
            ultima_solicitud(&accion, &estado, razon, fecha, "vista_solicitudes")
        })
        .transpose()
    }
}

impl VistaReservas for VistaReservasDiesel<'_> {
    fn reserva(&mut self, id: IdReserva) -> Result<Option<ReservaDTO>, ErrorPersistencia> {
        let clave = id.to_string();
        let fila = vista_reservas::table
            .find(&clave)
            .filter(vista_reservas::itinerarios.is_not_null())
            .select(FilaVista::as_select())
            .first(self.conexion)
            .optional()
            .map_err(de_diesel)?;
        let Some(fila) = fila else {
            return Ok(None);
        };
        let mut dto = fila.a_dto()?;
        dto.ultima_solicitud = self
            .ultima(&clave)?
            .as_ref()
            .map(|ultima| Box::new(UltimaSolicitudDTO::from(ultima)));
        Ok(Some(dto))
    }

    fn solicitud(&mut self, id: IdReserva) -> Result<Option<EstadoSolicitud>, ErrorPersistencia> {
        let fila: Option<(String, Option<String>)> = vista_solicitudes::table
            .filter(vista_solicitudes::id_reserva.eq(id.to_string()))
            .filter(vista_solicitudes::accion.is_null())
            .order(vista_solicitudes::fecha.desc())
            .select((vista_solicitudes::estado, vista_solicitudes::razon))
            .first(self.conexion)
            .optional()
            .map_err(de_diesel)?;
        Ok(fila.map(|(estado, razon)| match estado.as_str() {
            RECHAZADA => EstadoSolicitud::Rechazada {
                razon: razon.unwrap_or_default(),
            },
            _ => EstadoSolicitud::EnProceso,
        }))
    }

    fn listar(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<ReservaDTO>, ErrorPersistencia> {
        let mut consulta = vista_reservas::table
            .filter(vista_reservas::itinerarios.is_not_null())
            .into_boxed();
        if let Some(estados) = estados(filtro) {
            consulta = consulta.filter(vista_reservas::estado.eq_any(estados));
        }
        consulta
            .order((
                vista_reservas::fecha_creacion.desc(),
                vista_reservas::id.desc(),
            ))
            .limit(i64::from(pagina.limite))
            .offset(i64::from(pagina.desplazamiento))
            .select(FilaVista::as_select())
            .load(self.conexion)
            .map_err(de_diesel)?
            .into_iter()
            .map(FilaVista::a_dto)
            .collect()
    }
}

/// A reservation as its creation event tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservaCreadaEnVista {
    pub id: String,
    pub id_cliente: Option<String>,
    /// The itineraries in the API's JSON.
    pub itinerarios: String,
    pub fecha_creacion: NaiveDateTime,
}

/// Records a reservation's creation: a new row, or the row a later event left without
/// itineraries, completed (its state, further along, stays).
pub fn crear(
    conexion: &mut Conexion,
    reserva: &ReservaCreadaEnVista,
) -> Result<(), ErrorPersistencia> {
    let completadas = diesel::update(vista_reservas::table.find(&reserva.id))
        .set((
            vista_reservas::id_cliente.eq(&reserva.id_cliente),
            vista_reservas::itinerarios.eq(&reserva.itinerarios),
            vista_reservas::fecha_creacion.eq(reserva.fecha_creacion),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    if completadas == 0 {
        diesel::insert_into(vista_reservas::table)
            .values((
                vista_reservas::id.eq(&reserva.id),
                vista_reservas::id_cliente.eq(&reserva.id_cliente),
                vista_reservas::estado.eq(EstadoReserva::Pendiente.as_str()),
                vista_reservas::rango.eq(rango(EstadoReserva::Pendiente)),
                vista_reservas::itinerarios.eq(&reserva.itinerarios),
                vista_reservas::fecha_creacion.eq(reserva.fecha_creacion),
                vista_reservas::fecha_actualizacion.eq(reserva.fecha_creacion),
            ))
            .execute(conexion)
            .map_err(de_diesel)?;
    }
    Ok(())
}

/// Records that a reservation reached `estado` at `fecha`, if that moves its row forward.
/// A reservation whose creation has not arrived yet gets a row without itineraries, which
/// no query reads until the creation completes it.
pub fn cambiar_estado(
    conexion: &mut Conexion,
    id: &str,
    id_cliente: Option<&str>,
    estado: EstadoReserva,
    fecha: NaiveDateTime,
) -> Result<(), ErrorPersistencia> {
    let avanzar = |conexion: &mut Conexion| {
        diesel::update(
            vista_reservas::table
                .find(id)
                .filter(vista_reservas::rango.lt(rango(estado))),
        )
        .set((
            vista_reservas::estado.eq(estado.as_str()),
            vista_reservas::rango.eq(rango(estado)),
            vista_reservas::fecha_actualizacion.eq(fecha),
        ))
        .execute(conexion)
        .map_err(de_diesel)
    };
    if avanzar(conexion)? > 0 {
        return Ok(());
    }
    let existe: Option<String> = vista_reservas::table
        .find(id)
        .select(vista_reservas::id)
        .first(conexion)
        .optional()
        .map_err(de_diesel)?;
    if existe.is_some() {
        // On PostgreSQL each statement sees what committed before it: the row may have
        // been committed (by its creation, on another topic's consumer) after the update
        // above looked. Moving it forward now applies the change, or finds it already
        // further along.
        avanzar(conexion)?;
        return Ok(());
    }
    diesel::insert_into(vista_reservas::table)
        .values((
            vista_reservas::id.eq(id),
            vista_reservas::id_cliente.eq(id_cliente),
            vista_reservas::estado.eq(estado.as_str()),
            vista_reservas::rango.eq(rango(estado)),
            vista_reservas::fecha_creacion.eq(fecha),
            vista_reservas::fecha_actualizacion.eq(fecha),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    Ok(())
}

/// Records that the command of message `id_mensaje` was accepted (issued at `fecha`): a
/// new request `EnProceso`, or the outcome already seen, now dated.
pub fn aceptar(
    conexion: &mut Conexion,
    id_mensaje: &str,
    id_reserva: &str,
    accion: Option<AccionReserva>,
    fecha: NaiveDateTime,
) -> Result<(), ErrorPersistencia> {
    let accion = accion.map(|accion| accion.to_string());
    let fechadas = diesel::update(vista_solicitudes::table.find(id_mensaje))
        .set((
            vista_solicitudes::accion.eq(&accion),
            vista_solicitudes::fecha_aceptacion.eq(fecha),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    if fechadas == 0 {
        diesel::insert_into(vista_solicitudes::table)
            .values((
                vista_solicitudes::id_mensaje.eq(id_mensaje),
                vista_solicitudes::id_reserva.eq(id_reserva),
                vista_solicitudes::accion.eq(&accion),
                vista_solicitudes::estado.eq(EN_PROCESO),
                vista_solicitudes::fecha_aceptacion.eq(fecha),
                vista_solicitudes::fecha.eq(fecha),
            ))
            .execute(conexion)
            .map_err(de_diesel)?;
    }
    Ok(())
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Desenlace {
    Aplicada,
    Rechazada(String),
}

/// Records the outcome of the command of message `id_mensaje`, whether or not the command
/// itself has been seen yet.
pub fn resolver(
    conexion: &mut Conexion,
    id_mensaje: &str,
    id_reserva: &str,
    accion: Option<AccionReserva>,
    desenlace: &Desenlace,
    fecha: NaiveDateTime,
) -> Result<(), ErrorPersistencia> {
    let (estado, razon) = match desenlace {
        Desenlace::Aplicada => (APLICADA, None),
        Desenlace::Rechazada(razon) => (RECHAZADA, Some(razon.as_str())),
    };
    let resueltas = diesel::update(vista_solicitudes::table.find(id_mensaje))
        .set((
            vista_solicitudes::estado.eq(estado),
            vista_solicitudes::razon.eq(razon),
            vista_solicitudes::fecha.eq(fecha),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    if resueltas == 0 {
        diesel::insert_into(vista_solicitudes::table)
            .values((
                vista_solicitudes::id_mensaje.eq(id_mensaje),
                vista_solicitudes::id_reserva.eq(id_reserva),
                vista_solicitudes::accion.eq(accion.map(|accion| accion.to_string())),
                vista_solicitudes::estado.eq(estado),
                vista_solicitudes::razon.eq(razon),
                vista_solicitudes::fecha.eq(fecha),
            ))
            .execute(conexion)
            .map_err(de_diesel)?;
    }
    Ok(())
}

/// The ids of the reservations of client `id_cliente`, oldest first: what a query service
/// answers as a user's reservations.
pub fn reservas_de_cliente(
    conexion: &mut Conexion,
    id_cliente: &str,
) -> Result<Vec<String>, ErrorPersistencia> {
    vista_reservas::table
        .filter(vista_reservas::id_cliente.eq(id_cliente))
        .order((vista_reservas::fecha_creacion, vista_reservas::id))
        .select(vista_reservas::id)
        .load(conexion)
        .map_err(de_diesel)
}

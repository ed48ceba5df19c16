//! The diesel repository of users.
//!
//! A user is one row of `usuarios`; its document, city and country, small value objects of
//! a fixed shape, are flattened into columns. The reservations it holds live in their own
//! table, `usuario_reservas`, one row per reservation with its position: the list only
//! grows, so adding a reservation (the common write, once per booking) inserts one row
//! instead of rewriting a JSON column that grows with every booking, and the table's key
//! keeps a reservation from being held twice.
//!
//! Updates are optimistic, as in vuelos: each user row carries a version, and an update
//! that finds another version than the one it read fails with `Conflicto` instead of
//! overwriting a concurrent change (a reservation added while the user was deactivated).
//!
//! The repository is bound to the unit of work's transaction, not just its connection: a
//! successful save hands the user's pending domain events to that transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use clientes_dominio::{
    AccesoUsuario, Ciudad, Cliente, ClienteEmpresa, ClienteNatural, DatosUsuario, Documento, Email,
    EstadoUsuario, HashPassword, IdReservaCliente, IdUsuario, Nombre, NumeroDocumento, Pais,
    RepositorioUsuarios, TipoCliente, Usuario,
};
use diesel::prelude::*;
use seedwork_aplicacion::Transaccion;
use seedwork_dominio::{Causa, Entidad, ErrorPersistencia};
use seedwork_persistencia::{de_diesel, TransaccionDiesel, Versiones};

use crate::esquema::{usuario_reservas, usuarios};

/// A row of `usuarios`. No `Debug`: it holds the password hash.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = usuarios)]
struct FilaUsuario {
    id: String,
    email: String,
    nombres: String,
    apellidos: String,
    hash_password: String,
    tipo: String,
    documento_numero: i64,
    ciudad_codigo: String,
    ciudad_nombre: String,
    pais_codigo: String,
    pais_nombre: String,
    fecha_documento: NaiveDate,
    estado: String,
    fecha_creacion: NaiveDateTime,
    fecha_actualizacion: NaiveDateTime,
    version: i64,
}

#[derive(Insertable)]
#[diesel(table_name = usuario_reservas)]
struct FilaReservaUsuario<'a> {
    id_usuario: &'a str,
    id_reserva: String,
    orden: i64,
}

const ESTADOS: [EstadoUsuario; 2] = [EstadoUsuario::Activo, EstadoUsuario::Desactivado];
const TIPOS: [TipoCliente; 2] = [TipoCliente::Natural, TipoCliente::Empresa];

/// The users, read and written inside a unit of work's transaction; saving hands the
/// user's events to that transaction.
pub struct RepositorioUsuariosDiesel<'a> {
    tx: &'a mut TransaccionDiesel,
    /// The version of each user as this repository read it.
    versiones: Versiones<IdUsuario>,
    /// Users read without their reservations ([`RepositorioUsuarios::obtener_para_agregar`]):
    /// what they hold is only what was added since.
    sin_reservas: std::collections::HashSet<IdUsuario>,
}

impl<'a> RepositorioUsuariosDiesel<'a> {
    pub fn new(tx: &'a mut TransaccionDiesel) -> Self {
        Self {
            tx,
            versiones: Versiones::default(),
            sin_reservas: Default::default(),
        }
    }

    /// The transaction this repository works in.
    pub fn transaccion(&mut self) -> &mut TransaccionDiesel {
        self.tx
    }

    /// The row of user `id`, if any, without its reservations.
    fn fila(&mut self, id: IdUsuario) -> Result<Option<FilaUsuario>, ErrorPersistencia> {
        usuarios::table
            .find(id.to_string())
            .select(FilaUsuario::as_select())
            .first(self.tx.conexion())
            .optional()
            .map_err(de_diesel)
    }

    /// A read row, if any, with its reservations.
    fn uno(&mut self, fila: Option<FilaUsuario>) -> Result<Option<Usuario>, ErrorPersistencia> {
        let Some(fila) = fila else {
            return Ok(None);
        };
        let reservas = self.reservas_de(&fila.id)?;
        self.a_dominio(fila, reservas).map(Some)
    }

    /// The reservation ids a user holds, in the order they were added.
    fn reservas_de(&mut self, id_usuario: &str) -> Result<Vec<String>, ErrorPersistencia> {
        usuario_reservas::table
            .filter(usuario_reservas::id_usuario.eq(id_usuario))
            .order(usuario_reservas::orden.asc())
            .select(usuario_reservas::id_reserva)
            .load(self.tx.conexion())
            .map_err(de_diesel)
    }

    /// The users in the given states, oldest registration first, with their reservations
    /// read in one more query (not one per user).
    fn listar(&mut self, estados: &[EstadoUsuario]) -> Result<Vec<Usuario>, ErrorPersistencia> {
        let estados: Vec<&str> = estados.iter().map(EstadoUsuario::as_str).collect();
        let filas: Vec<FilaUsuario> = usuarios::table
            .filter(usuarios::estado.eq_any(&estados))
            .order((usuarios::fecha_creacion.asc(), usuarios::id.asc()))
            .select(FilaUsuario::as_select())
            .load(self.tx.conexion())
            .map_err(de_diesel)?;
        let pares: Vec<(String, String)> = usuario_reservas::table
            .inner_join(usuarios::table)
            .filter(usuarios::estado.eq_any(&estados))
            .order((usuario_reservas::id_usuario, usuario_reservas::orden.asc()))
            .select((usuario_reservas::id_usuario, usuario_reservas::id_reserva))
            .load(self.tx.conexion())
            .map_err(de_diesel)?;
        let mut reservas: HashMap<String, Vec<String>> = HashMap::new();
        for (id_usuario, id_reserva) in pares {
            reservas.entry(id_usuario).or_default().push(id_reserva);
        }
        filas
            .into_iter()
            .map(|fila| {
                let suyas = reservas.remove(&fila.id).unwrap_or_default();
                self.a_dominio(fila, suyas)
            })
            .collect()
    }

    fn a_dominio(
        &mut self,
        fila: FilaUsuario,
        reservas: Vec<String>,
    ) -> Result<Usuario, ErrorPersistencia> {
        let invalido = |que: &str, causa: Causa| {
            ErrorPersistencia::datos_invalidos(format!("usuario {}: {que}", fila.id), causa)
        };
        let id = IdUsuario::parse(&fila.id).map_err(|e| invalido("id", e.into()))?;
        let pais = Pais::new(&fila.pais_codigo, &fila.pais_nombre)
            .map_err(|e| invalido("país", e.into()))?;
        let ciudad = Ciudad::new(&fila.ciudad_codigo, &fila.ciudad_nombre, pais)
            .map_err(|e| invalido("ciudad", e.into()))?;
        let numero = u64::try_from(fila.documento_numero)
            .map_err(|e| e.to_string())
            .and_then(|n| NumeroDocumento::new(n).map_err(|e| e.to_string()))
            .map_err(|e| invalido("documento_numero", e.into()))?;
        let tipo = TIPOS
            .into_iter()
            .find(|t| t.as_str() == fila.tipo)
            .ok_or_else(|| invalido("tipo", fila.tipo.clone().into()))?;
        let cliente = match tipo {
            TipoCliente::Natural => Cliente::Natural(ClienteNatural::reconstruir(
                Documento::new(numero, ciudad),
                fila.fecha_documento,
            )),
            TipoCliente::Empresa => Cliente::Empresa(ClienteEmpresa::reconstruir(
                Documento::new(numero, ciudad),
                fila.fecha_documento,
            )),
        };
        let estado = ESTADOS
            .into_iter()
            .find(|e| e.as_str() == fila.estado)
            .ok_or_else(|| invalido("estado", fila.estado.clone().into()))?;
        let reservas = reservas
            .iter()
            .map(|texto| IdReservaCliente::parse(texto))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalido("reservas", e.into()))?;
        let datos = DatosUsuario {
            id,
            nombre: Nombre::new(&fila.nombres, &fila.apellidos)
                .map_err(|e| invalido("nombre", e.into()))?,
            email: Email::parse(&fila.email).map_err(|e| invalido("email", e.into()))?,
            hash_password: HashPassword::new(fila.hash_password)
                .map_err(|e| invalido("hash_password", e.into()))?,
            cliente,
            estado,
            reservas,
            fecha_creacion: fila.fecha_creacion.and_utc(),
            fecha_actualizacion: fila.fecha_actualizacion.and_utc(),
        };
        self.versiones.registrar(id, fila.version);
        Ok(Usuario::reconstruir(datos))
    }

    /// Makes the stored reservations of `usuario` exactly its list, in order. The list only
    /// grows, so the stored one is normally a prefix of it and only the new rows are
    /// inserted; anything else rewrites the user's rows.
    fn guardar_reservas(&mut self, usuario: &Usuario) -> Result<(), ErrorPersistencia> {
        let id = usuario.id().to_string();
        let deseadas: Vec<String> = usuario.reservas().iter().map(|r| r.to_string()).collect();
        if self.sin_reservas.contains(&usuario.id()) {
            return self.anadir_reservas(&id, deseadas);
        }
        let guardadas = self.reservas_de(&id)?;
        let desde = if deseadas.starts_with(&guardadas) {
            guardadas.len()
        } else {
            diesel::delete(usuario_reservas::table.filter(usuario_reservas::id_usuario.eq(&id)))
                .execute(self.tx.conexion())
                .map_err(de_diesel)?;
            0
        };
        for (orden, id_reserva) in deseadas.into_iter().enumerate().skip(desde) {
            let orden = i64::try_from(orden).map_err(ErrorPersistencia::inesperado)?;
            diesel::insert_into(usuario_reservas::table)
                .values(FilaReservaUsuario {
                    id_usuario: &id,
                    id_reserva,
                    orden,
                })
                .execute(self.tx.conexion())
                .map_err(de_diesel)?;
        }
        Ok(())
    }

    /// Stores `nuevas` after the reservations the user holds, in one indexed read of the
    /// last position: a user read without its reservations holds only what was added.
    fn anadir_reservas(&mut self, id: &str, nuevas: Vec<String>) -> Result<(), ErrorPersistencia> {
        if nuevas.is_empty() {
            return Ok(());
        }
        let ultima: Option<i64> = usuario_reservas::table
            .filter(usuario_reservas::id_usuario.eq(id))
            .select(diesel::dsl::max(usuario_reservas::orden))
            .first(self.tx.conexion())
            .map_err(de_diesel)?;
        let desde = ultima.map_or(0, |ultima| ultima + 1);
        for (posicion, id_reserva) in nuevas.into_iter().enumerate() {
            let orden = desde + i64::try_from(posicion).map_err(ErrorPersistencia::inesperado)?;
            diesel::insert_into(usuario_reservas::table)
                .values(FilaReservaUsuario {
                    id_usuario: id,
                    id_reserva,
                    orden,
                })
                .execute(self.tx.conexion())
                .map_err(de_diesel)?;
        }
        Ok(())
    }
}

fn a_fila(usuario: &Usuario, version: i64) -> Result<FilaUsuario, ErrorPersistencia> {
    let (documento_numero, ciudad, fecha_documento) = match usuario.cliente() {
        Cliente::Natural(natural) => (
            natural.cedula().numero(),
            natural.cedula().ciudad(),
            natural.fecha_nacimiento(),
        ),
        Cliente::Empresa(empresa) => (
            empresa.rut().numero(),
            empresa.rut().ciudad(),
            empresa.fecha_constitucion(),
        ),
    };
    Ok(FilaUsuario {
        id: usuario.id().to_string(),
        email: usuario.email().to_string(),
        nombres: usuario.nombre().nombres().to_owned(),
        apellidos: usuario.nombre().apellidos().to_owned(),
        hash_password: usuario.hash_password().as_str().to_owned(),
        tipo: usuario.cliente().tipo().as_str().to_owned(),
        // At most 12 digits (rule `NumeroDocumentoValido`), so it always fits.
        documento_numero: i64::try_from(documento_numero.valor())
            .map_err(ErrorPersistencia::inesperado)?,
        ciudad_codigo: ciudad.codigo().to_owned(),
        ciudad_nombre: ciudad.nombre().to_owned(),
        pais_codigo: ciudad.pais().codigo().to_owned(),
        pais_nombre: ciudad.pais().nombre().to_owned(),
        fecha_documento,
        estado: usuario.estado().as_str().to_owned(),
        fecha_creacion: usuario.fecha_creacion().naive_utc(),
        fecha_actualizacion: usuario.fecha_actualizacion().naive_utc(),
        version,
    })
}

impl RepositorioUsuarios for RepositorioUsuariosDiesel<'_> {
    #[tracing::instrument(skip(self))]
    fn obtener_por_id(&mut self, id: IdUsuario) -> Result<Option<Usuario>, ErrorPersistencia> {
        let fila = self.fila(id)?;
        self.uno(fila)
    }

    #[tracing::instrument(skip_all)]
    fn obtener_por_email(&mut self, email: &Email) -> Result<Option<Usuario>, ErrorPersistencia> {
        let fila = usuarios::table
            .filter(usuarios::email.eq(email.as_str()))
            .select(FilaUsuario::as_select())
            .first(self.tx.conexion())
            .optional()
            .map_err(de_diesel)?;
        self.uno(fila)
    }

    #[tracing::instrument(skip(self))]
    fn obtener_para_agregar(
        &mut self,
        id: IdUsuario,
    ) -> Result<Option<Usuario>, ErrorPersistencia> {
        let Some(fila) = self.fila(id)? else {
            return Ok(None);
        };
        self.sin_reservas.insert(id);
        self.a_dominio(fila, Vec::new()).map(Some)
    }

    #[tracing::instrument(skip(self))]
    fn tiene_reserva(
        &mut self,
        id: IdUsuario,
        reserva: IdReservaCliente,
    ) -> Result<bool, ErrorPersistencia> {
        let cuantas: i64 = usuario_reservas::table
            .filter(usuario_reservas::id_usuario.eq(id.to_string()))
            .filter(usuario_reservas::id_reserva.eq(reserva.to_string()))
            .count()
            .get_result(self.tx.conexion())
            .map_err(de_diesel)?;
        Ok(cuantas > 0)
    }

    #[tracing::instrument(skip_all)]
    fn existe_email(&mut self, email: &Email) -> Result<bool, ErrorPersistencia> {
        let cuantos: i64 = usuarios::table
            .filter(usuarios::email.eq(email.as_str()))
            .count()
            .get_result(self.tx.conexion())
            .map_err(de_diesel)?;
        Ok(cuantos > 0)
    }

    #[tracing::instrument(skip(self))]
    fn acceso(&mut self, id: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia> {
        let fila: Option<(String, String)> = usuarios::table
            .find(id.to_string())
            .select((usuarios::email, usuarios::estado))
            .first(self.tx.conexion())
            .optional()
            .map_err(de_diesel)?;
        fila.map(|(email, estado)| {
            Ok(AccesoUsuario {
                email: Email::parse(&email).map_err(ErrorPersistencia::inesperado)?,
                activo: estado == EstadoUsuario::Activo.as_str(),
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip(self))]
    fn obtener_todos(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
        self.listar(&ESTADOS)
    }

    #[tracing::instrument(skip(self))]
    fn obtener_desactivados(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
        self.listar(&[EstadoUsuario::Desactivado])
    }

    #[tracing::instrument(skip_all, fields(id_usuario = %usuario.id()))]
    fn agregar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia> {
        diesel::insert_into(usuarios::table)
            .values(a_fila(usuario, 1)?)
            .execute(self.tx.conexion())
            .map_err(de_diesel)?;
        self.guardar_reservas(usuario)?;
        self.versiones.registrar(usuario.id(), 1);
        self.tx.recoger_eventos(usuario);
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id_usuario = %usuario.id()))]
    fn actualizar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia> {
        let id = usuario.id();
        let leida = self.versiones.base(id, "el usuario", || {
            // Not read through this repository: the stored version.
            usuarios::table
                .find(id.to_string())
                .select(usuarios::version)
                .first(self.tx.conexion())
                .optional()
                .map_err(de_diesel)
        })?;
        let fila = a_fila(usuario, leida + 1)?;
        let cambiadas = diesel::update(
            usuarios::table
                .filter(usuarios::id.eq(&fila.id))
                .filter(usuarios::version.eq(leida)),
        )
        .set((
            usuarios::estado.eq(&fila.estado),
            usuarios::fecha_actualizacion.eq(fila.fecha_actualizacion),
            usuarios::version.eq(fila.version),
        ))
        .execute(self.tx.conexion())
        .map_err(de_diesel)?;
        self.versiones
            .confirmar(id, "el usuario", cambiadas, fila.version)?;
        self.guardar_reservas(usuario)?;
        self.tx.recoger_eventos(usuario);
        Ok(())
    }
}

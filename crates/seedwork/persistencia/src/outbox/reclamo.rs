//! How the relay claims outbox rows and marks them published, one strategy per engine.
//!
//! On PostgreSQL the rows are claimed with `FOR UPDATE SKIP LOCKED` inside a transaction
//! held while they are published, so several aeroalpes replicas never publish the same row
//! twice; marking them commits that transaction. On SQLite (one process) the rows are read,
//! and marked afterwards in a write transaction of their own.

use diesel::prelude::*;
use diesel::r2d2::PooledConnection;
use seedwork_dominio::ErrorPersistencia;

use super::FilaOutbox;
use crate::base_datos::Conector;
use crate::conexion::{Conexion, Modo};
use crate::errores::de_diesel;
use crate::esquema::outbox;
use crate::unidad_trabajo::UnidadTrabajoDiesel;

/// A batch of unpublished rows, claimed for publication until [`Reclamo::cerrar`].
pub struct Reclamo {
    filas: Vec<FilaOutbox>,
    estrategia: Estrategia,
}

enum Estrategia {
    /// PostgreSQL: the open transaction that locks the rows. Dropped without
    /// [`Reclamo::cerrar`], the pool discards the connection and the locks go with it.
    SkipLocked(PooledConnection<Conector>),
    /// SQLite: nothing is held; marking opens a write transaction of the unit of work.
    Sqlite(UnidadTrabajoDiesel),
}

impl Reclamo {
    /// Claims up to `lote` of the oldest unpublished rows. Blocks on the database.
    pub fn reclamar(uow: &UnidadTrabajoDiesel, lote: i64) -> Result<Self, ErrorPersistencia> {
        let mut conexion = uow
            .base()
            .conexion()
            .map_err(ErrorPersistencia::no_disponible)?;
        if conexion.es_sqlite() {
            return Ok(Self {
                filas: pendientes(&mut conexion, lote)?,
                estrategia: Estrategia::Sqlite(uow.clone()),
            });
        }
        conexion.comenzar(Modo::Escritura).map_err(de_diesel)?;
        match reclamar_con_skip_locked(&mut conexion, lote) {
            Ok(filas) => Ok(Self {
                filas,
                estrategia: Estrategia::SkipLocked(conexion),
            }),
            Err(error) => {
                let _ = conexion.revertir();
                Err(error)
            }
        }
    }

    /// The claimed rows, in creation order.
    pub fn filas(&self) -> &[FilaOutbox] {
        &self.filas
    }

    /// Marks the rows of `publicadas` (sequences) published and releases the claim; the
    /// other rows stay pending. Blocks on the database.
    pub fn cerrar(self, publicadas: &[i64]) -> Result<(), ErrorPersistencia> {
        match self.estrategia {
            Estrategia::SkipLocked(mut conexion) => {
                let resultado = marcar_publicadas(&mut conexion, publicadas)
                    .and_then(|()| conexion.confirmar().map_err(de_diesel));
                if resultado.is_err() {
                    let _ = conexion.revertir();
                }
                resultado
            }
            Estrategia::Sqlite(_) if publicadas.is_empty() => Ok(()),
            Estrategia::Sqlite(uow) => uow
                .base()
                .escribir(|conexion| marcar_publicadas(conexion, publicadas)),
        }
    }
}

/// The oldest unpublished rows, in creation order.
fn pendientes(conexion: &mut Conexion, limite: i64) -> Result<Vec<FilaOutbox>, ErrorPersistencia> {
    outbox::table
        .filter(outbox::publicado.eq(false))
        .order(outbox::secuencia.asc())
        .limit(limite)
        .select(FilaOutbox::as_select())
        .load(conexion)
        .map_err(de_diesel)
}

#[derive(QueryableByName)]
struct Secuencia {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    secuencia: i64,
}

/// Locks up to `lote` unpublished rows that no other replica holds.
fn reclamar_con_skip_locked(
    conexion: &mut Conexion,
    lote: i64,
) -> Result<Vec<FilaOutbox>, ErrorPersistencia> {
    let Conexion::Postgresql(pg) = conexion else {
        return Err(ErrorPersistencia::inesperado(
            "SKIP LOCKED es solo para PostgreSQL",
        ));
    };
    let reclamadas: Vec<i64> = diesel::sql_query(
        "SELECT secuencia FROM outbox WHERE NOT publicado ORDER BY secuencia LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind::<diesel::sql_types::BigInt, _>(lote)
    .load::<Secuencia>(pg)
    .map_err(de_diesel)?
    .into_iter()
    .map(|s| s.secuencia)
    .collect();
    outbox::table
        .filter(outbox::secuencia.eq_any(reclamadas))
        .order(outbox::secuencia.asc())
        .select(FilaOutbox::as_select())
        .load(conexion)
        .map_err(de_diesel)
}

fn marcar_publicadas(conexion: &mut Conexion, secuencias: &[i64]) -> Result<(), ErrorPersistencia> {
    if secuencias.is_empty() {
        return Ok(());
    }
    diesel::update(outbox::table.filter(outbox::secuencia.eq_any(secuencias)))
        .set((
            outbox::publicado.eq(true),
            outbox::fecha_publicacion.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    Ok(())
}

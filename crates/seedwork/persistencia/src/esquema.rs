//! The tables the seedwork owns (outbox, inbox, idempotencia): their diesel schema, and the migrations
//! that create them (`migrations/{sqlite,postgres}` in this crate).

use diesel_migrations::embed_migrations;

use crate::migraciones::Migraciones;

/// The migrations of the outbox and inbox tables, which every process that runs a unit of
/// work needs.
pub const MIGRACIONES: Migraciones = Migraciones::new(
    "seedwork",
    embed_migrations!("migrations/sqlite"),
    embed_migrations!("migrations/postgres"),
);

diesel::table! {
    outbox (secuencia) {
        secuencia -> BigInt,
        id_mensaje -> Text,
        topico -> Text,
        tipo -> Text,
        clave -> Nullable<Text>,
        carga -> Binary,
        propiedades -> Text,
        fecha_creacion -> Timestamp,
        publicado -> Bool,
        fecha_publicacion -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbox (id_mensaje) {
        id_mensaje -> Text,
        tipo -> Text,
        fecha_procesado -> Timestamp,
    }
}

diesel::table! {
    idempotencia (ambito, clave) {
        ambito -> Text,
        clave -> Text,
        huella -> Text,
        estado -> Nullable<Integer>,
        cuerpo -> Nullable<Binary>,
        ubicacion -> Nullable<Text>,
        fecha_creacion -> Timestamp,
    }
}

//! The clientes tables (usuarios, usuario_reservas): their diesel schema, and the
//! migrations that create them (`migrations/{sqlite,postgres}` in this crate).

use diesel_migrations::embed_migrations;
use seedwork_persistencia::Migraciones;

/// The migrations of the clientes tables, for the composition root to hand to
/// `BaseDatos::conectar` with the seedwork's.
pub const MIGRACIONES: Migraciones = Migraciones::new(
    "clientes",
    embed_migrations!("migrations/sqlite"),
    embed_migrations!("migrations/postgres"),
);

diesel::table! {
    usuarios (id) {
        id -> Text,
        email -> Text,
        nombres -> Text,
        apellidos -> Text,
        hash_password -> Text,
        tipo -> Text,
        documento_numero -> BigInt,
        ciudad_codigo -> Text,
        ciudad_nombre -> Text,
        pais_codigo -> Text,
        pais_nombre -> Text,
        fecha_documento -> Date,
        estado -> Text,
        fecha_creacion -> Timestamp,
        fecha_actualizacion -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    usuario_reservas (id_usuario, id_reserva) {
        id_usuario -> Text,
        id_reserva -> Text,
        orden -> BigInt,
    }
}

diesel::joinable!(usuario_reservas -> usuarios (id_usuario));
diesel::allow_tables_to_appear_in_same_query!(usuarios, usuario_reservas);

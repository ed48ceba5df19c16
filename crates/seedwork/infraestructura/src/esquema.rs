//! The diesel schema of the tables the seedwork owns (outbox, inbox).

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

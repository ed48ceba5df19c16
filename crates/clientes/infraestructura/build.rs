//! Rebuilds this crate when a migration is added: `embed_migrations!` reads the directory
//! at compile time but does not tell cargo to watch it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations-vista");
}

//! Generates the gRPC server and client of `proto/vuelos.proto` (the repository's root),
//! plus its encoded descriptor set for server reflection. Needs `protoc` and the
//! well-known types (`google/protobuf/timestamp.proto`, Debian's `libprotobuf-dev`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = PathBuf::from("../../proto");
    let salida = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=../../proto/vuelos.proto");
    tonic_build::configure()
        .file_descriptor_set_path(salida.join("vuelos_descriptor.bin"))
        .compile_protos(&[proto.join("vuelos.proto")], &[proto])?;
    Ok(())
}

//! The tutorial's kind of client, in Python (grpcio, with stubs generated from
//! `proto/vuelos.proto` at test time), against the adaptador and a real AeroAlpes.
//! `scripts/python-venv.sh` installs grpcio and grpcio-tools on first use.

mod ayudantes;

use std::path::PathBuf;
use std::process::Command;

use ayudantes::*;

fn raiz() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_client_creates_and_queries_a_reservation_through_the_adaptador() {
    let aeroalpes = spawn_aeroalpes().await;
    let url = spawn_adaptador(&aeroalpes.direccion).await;
    let direccion = url.trim_start_matches("http://").to_owned();
    let stubs = tempfile::tempdir().expect("a directory for the stubs");
    let ruta_stubs = stubs.path().to_owned();

    let salida = tokio::task::spawn_blocking(move || {
        let preparacion = Command::new(raiz().join("scripts/python-venv.sh"))
            .status()
            .expect("python-venv.sh runs");
        assert!(preparacion.success(), "python-venv.sh failed");
        Command::new(raiz().join(".venv/bin/python"))
            .arg(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/crear_y_consultar.py"),
            )
            .arg(raiz().join("proto"))
            .arg(ruta_stubs)
            .arg(direccion)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(CREAR_RESERVA))
            .output()
            .expect("python runs")
    })
    .await
    .expect("the Python client finishes");

    let stdout = String::from_utf8_lossy(&salida.stdout);
    assert!(
        salida.status.success(),
        "the Python client failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert!(stdout.contains("creada "), "{stdout}");
    assert!(stdout.contains("consultada "), "{stdout}");
    assert!(stdout.contains("INVALID_ARGUMENT"), "{stdout}");
}

//! Starting up fails loudly: `scripts/run.sh` refuses to start without its binaries or on a
//! taken port, and aeroalpes names the port it could not bind and the variable that
//! changes it.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::procesos::{binario, directorio_binarios, puerto_libre, raiz, PLAZO};

const BANNER: &str = "AeroAlpes is up";

/// Runs `comando` to its end, within `PLAZO`; answers its status and its stdout and stderr.
fn ejecutar(mut comando: Command, salida: &Path) -> (ExitStatus, String) {
    let out = std::fs::File::create(salida.join("salida.log")).expect("the log file");
    let err = out.try_clone().expect("the log file");
    let mut hijo = comando
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("the command starts");
    let limite = Instant::now() + PLAZO;
    let estado = loop {
        if let Some(estado) = hijo.try_wait().expect("its status") {
            break estado;
        }
        if Instant::now() >= limite {
            let _ = hijo.kill();
            let _ = hijo.wait();
            panic!(
                "{comando:?} did not end within {PLAZO:?}; its output:\n{}",
                std::fs::read_to_string(salida.join("salida.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let texto = std::fs::read_to_string(salida.join("salida.log")).expect("the log");
    (estado, texto)
}

/// `scripts/run.sh` with `CARGO_TARGET_DIR` set and no external broker configured.
fn run_sh(directorio_target: &Path) -> Command {
    let mut comando = Command::new(raiz().join("scripts/run.sh"));
    comando
        .env("CARGO_TARGET_DIR", directorio_target)
        .env("RUN_TIMEOUT_SECONDS", "10")
        .env_remove("PULSAR_URL")
        .env_remove("PULSAR_ADDRESS")
        .env_remove("BROKER_HOST");
    comando
}

#[test]
fn run_sh_without_binaries_fails_naming_the_missing_one() {
    let vacio = tempfile::tempdir().unwrap();
    let registro = tempfile::tempdir().unwrap();
    let mut comando = run_sh(vacio.path());
    comando
        .env("AEROALPES_PORT", puerto_libre().to_string())
        .env("UI_PORT", puerto_libre().to_string())
        .env("AEROALPES_BROKER_PORT", puerto_libre().to_string());
    let (estado, salida) = ejecutar(comando, registro.path());
    assert!(!estado.success(), "run.sh succeeded:\n{salida}");
    let ausente = vacio.path().join("release/aeroalpes");
    assert!(
        salida.contains(&format!("{} is missing", ausente.display())),
        "{salida}"
    );
    assert!(
        salida.contains("cargo build --release -p aeroalpes"),
        "{salida}"
    );
    assert!(!salida.contains(BANNER), "{salida}");
}

#[test]
fn run_sh_on_a_taken_port_fails_naming_it_and_aeroalpes_port() {
    // The workspace's debug binaries, where run.sh looks for release ones.
    let target = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(directorio_binarios(), target.path().join("release"))
        .expect("the symlink");
    for nombre in ["aeroalpes", "notificaciones", "ui"] {
        binario(nombre);
    }
    let ocupado = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let puerto = ocupado.local_addr().unwrap().port();
    let registro = tempfile::tempdir().unwrap();
    let mut comando = run_sh(target.path());
    comando
        .env("AEROALPES_PORT", puerto.to_string())
        .env("UI_PORT", puerto_libre().to_string())
        .env("AEROALPES_BROKER_PORT", puerto_libre().to_string());
    let (estado, salida) = ejecutar(comando, registro.path());
    assert!(!estado.success(), "run.sh succeeded:\n{salida}");
    assert!(salida.contains(&format!("port {puerto} ")), "{salida}");
    assert!(salida.contains("AEROALPES_PORT"), "{salida}");
    assert!(!salida.contains(BANNER), "{salida}");
    drop(ocupado);
}

#[test]
fn aeroalpes_on_a_taken_port_names_it_and_aeroalpes_port() {
    let ocupado = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let puerto = ocupado.local_addr().unwrap().port();
    let datos = tempfile::tempdir().unwrap();
    let registro = tempfile::tempdir().unwrap();
    let mut comando = Command::new(binario("aeroalpes"));
    comando
        .env("AEROALPES_HOST", "127.0.0.1")
        .env("AEROALPES_PORT", puerto.to_string())
        .env("AEROALPES_BROKER_PORT", "0")
        .env("AEROALPES_BROKER_DATA", datos.path().join("broker"))
        .env("DATABASE_URL", datos.path().join("aeroalpes.db"))
        .env_remove("PULSAR_URL")
        .env_remove("PULSAR_ADDRESS")
        .env_remove("BROKER_HOST");
    let (estado, salida) = ejecutar(comando, registro.path());
    assert!(!estado.success(), "aeroalpes started:\n{salida}");
    assert!(
        salida.contains(&format!("127.0.0.1:{puerto}")),
        "the error names the port:\n{salida}"
    );
    assert!(salida.contains("AEROALPES_PORT"), "{salida}");
    drop(ocupado);
}

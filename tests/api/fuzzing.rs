//! Property-based fuzzing of the HTTP API from its own `/spec`: schemathesis (from the test
//! virtualenv) sends every operation examples of the document, its boundary cases and
//! generated requests, valid and invalid, with a fixed seed and a bounded number of
//! examples per operation, without a token and with a staff token, on SQLite (every phase)
//! and on PostgreSQL (the deterministic phases). Every answer must be no 5xx and match the document (status, content type,
//! headers, body schema); a request the document calls invalid must be refused; a method
//! the document does not name must be 405; a secured operation must refuse a missing or
//! bad token.
//!
//! Left out is `positive_data_acceptance` ("a request valid by the document is accepted"):
//! some rules cannot be said in JSON Schema (a leg's origin differs from its destination,
//! a calendar date exists, a client is of age, a reservation's state allows the change),
//! so a request the document calls valid may rightly be refused with a documented 4xx.

use std::ffi::OsStr;
use std::process::Output;
use std::time::Duration;

use aeroalpes::startup::MIGRACIONES;

use crate::ayudantes::{spawn_app, spawn_app_en, AppDePrueba, EMAIL_PERSONAL};
use crate::especificacion::{preparar_python, raiz, salida};

/// The generated cases of one operation, beside the coverage phase's boundary cases (a run
/// with 20 sent 1,114 test cases in all).
const EJEMPLOS: &str = "10";
/// The seed: a run repeats the same requests.
const SEMILLA: &str = "20261130";
/// A run takes about a minute on an idle machine; the tests around it share the cores.
const PLAZO: Duration = Duration::from_secs(900);

const CHEQUEOS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection,\
missing_required_header,unsupported_method,ignored_auth";

/// Deactivating a user is fuzzed on its own, last: with the staff token it may deactivate
/// the staff user itself (allowed: a user may close its own account), after which that
/// token is refused.
const DESACTIVAR: &str = "/clientes/usuarios/{id}/desactivar";

/// Every phase: the document's examples, the boundary and invalid values of every field
/// (coverage), and generated requests (fuzzing, the slowest).
const TODAS: &str = "examples,coverage,fuzzing";
/// The deterministic phases only. On PostgreSQL this is what finds what differs between
/// the engines (NUL characters, long and odd text, extreme numbers and dates are all
/// boundary values) at a fraction of the time; the generated requests run on SQLite.
const DETERMINISTAS: &str = "examples,coverage";

/// Runs schemathesis over every operation of the app's `/spec`, with `token` if any, in
/// `fases`.
async fn fuzzear(app: &AppDePrueba, token: Option<&str>, fases: &str) {
    preparar_python().await;
    let directorio = tempfile::tempdir().expect("a working directory for schemathesis");
    let spec = format!("{}/spec", app.direccion);
    let cabecera = token.map(|token| format!("Authorization: Bearer {token}"));
    for filtro in [
        ["--exclude-path", DESACTIVAR],
        ["--include-path", DESACTIVAR],
    ] {
        let mut argumentos: Vec<&OsStr> = [
            "run",
            &spec,
            "--checks",
            CHEQUEOS,
            "--seed",
            SEMILLA,
            "--max-examples",
            EJEMPLOS,
            "--phases",
            fases,
            // Reproducible and quiet: no example database, no shrinking, no colours, and
            // no health check that would fail a run for generating large bodies slowly.
            "--generation-database",
            "none",
            "--no-shrink",
            "--no-color",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
        ]
        .into_iter()
        .chain(filtro)
        .map(OsStr::new)
        .collect();
        if let Some(cabecera) = &cabecera {
            argumentos.extend([OsStr::new("--header"), OsStr::new(cabecera.as_str())]);
        }
        let corrida = ejecutar_en(directorio.path(), &argumentos).await;
        assert!(
            corrida.status.success(),
            "schemathesis finds failures ({}, {}):\n{}",
            if token.is_some() {
                "staff token"
            } else {
                "no token"
            },
            filtro.join(" "),
            salida(&corrida)
        );
    }
}

/// Runs schemathesis in `directorio`, within [`PLAZO`].
async fn ejecutar_en(directorio: &std::path::Path, argumentos: &[&OsStr]) -> Output {
    let programa = raiz().join(".venv/bin/st");
    let corrida = tokio::process::Command::new(&programa)
        .args(argumentos)
        .current_dir(directorio)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(PLAZO, corrida)
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {PLAZO:?}"))
        .unwrap_or_else(|e| panic!("{} does not run: {e}", programa.display()))
}

/// The staff user's token (`EMAIL_PERSONAL` is staff in the tests' configuration).
async fn token_personal(app: &AppDePrueba) -> String {
    let (_, token) = app.usuario_con_token(EMAIL_PERSONAL).await;
    token
}

#[tokio::test]
async fn fuzzing_from_the_spec_without_a_token_finds_nothing_on_sqlite() {
    let app = spawn_app().await;
    fuzzear(&app, None, TODAS).await;
}

#[tokio::test]
async fn fuzzing_from_the_spec_with_a_staff_token_finds_nothing_on_sqlite() {
    let app = spawn_app().await;
    let token = token_personal(&app).await;
    fuzzear(&app, Some(&token), TODAS).await;
}

#[tokio::test]
async fn fuzzing_from_the_spec_without_a_token_finds_nothing_on_postgresql() {
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        let app = spawn_app_en(base).await;
        fuzzear(&app, None, DETERMINISTAS).await;
    }
}

#[tokio::test]
async fn fuzzing_from_the_spec_with_a_staff_token_finds_nothing_on_postgresql() {
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        let app = spawn_app_en(base).await;
        let token = token_personal(&app).await;
        fuzzear(&app, Some(&token), DETERMINISTAS).await;
    }
}

//! The README's shell examples, run as a reader runs them: every `sh` block of README.md,
//! in order, with `bash -euo pipefail` from the repository root, against aeroalpes (with its
//! embedded broker), notificaciones, the ui and the adaptador running as processes.
//!
//! The conventions of README.md that this test relies on:
//! - a block fenced ```` ```sh ```` (or ```` ```bash ````) talks to a running system and is
//!   run here; a block fenced ```` ```sh no-run ```` is only shown: `make run`, `make test`,
//!   servers that run until Ctrl-C, docker-compose, kubectl, tools that `make system-deps`
//!   does not install. Blocks of any other info string (`text`, `mermaid`) are not run
//!   either;
//! - a comment line `#> …` shows one line of what the block prints on stdout, in order;
//!   `…` stands for any text (ids, times). Every run block shows its output, and the test
//!   compares it with what the block printed, line by line;
//! - each block stands alone (a reader may paste just one) and can run again on the same
//!   system: the whole sequence is run twice.
//!
//! The examples use the addresses of `make run`: aeroalpes on localhost:5000, the ui on
//! localhost:5678, the adaptador on localhost:50051. Tests run in parallel and those ports
//! may be taken, so here every service listens on a free port and the test rewrites those
//! addresses in a block's text before running it; `adaptador-cliente`, which the examples
//! call without an address, gets `ADAPTADOR_ADDRESS` as a reader with another port would set
//! it. `cargo run … --bin B --` becomes the path of the binary B the workspace built, which
//! is what cargo would run: a cargo inside the test would wait for the build lock, and under
//! `make coverage` rebuild everything with other flags.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::flujo::esperar_suscripciones;
use crate::procesos::{aeroalpes, binario, notificaciones, raiz, Proceso, TOKEN_SERVICIO};

/// The longest one block may take: its waits are bounded by a few seconds.
const PLAZO_BLOQUE: Duration = Duration::from_secs(60);

/// A block of README.md that the test runs.
#[derive(Debug)]
struct Bloque {
    /// The line of its opening fence, for messages.
    linea: usize,
    codigo: String,
}

impl Bloque {
    /// The lines of `#> …` comments: what the block prints, in order.
    fn salida_esperada(&self) -> Vec<&str> {
        self.codigo
            .lines()
            .filter_map(|linea| {
                if linea == "#>" {
                    Some("")
                } else {
                    linea.strip_prefix("#> ")
                }
            })
            .collect()
    }
}

/// The blocks fenced ```` ```sh ```` or ```` ```bash ```` of `markdown`, in order.
fn bloques_ejecutables(markdown: &str) -> Vec<Bloque> {
    let mut bloques = Vec::new();
    let mut abierto: Option<(usize, bool, String)> = None;
    for (indice, linea) in markdown.lines().enumerate() {
        match (&mut abierto, linea.strip_prefix("```")) {
            (None, Some(info)) => {
                let ejecutable = matches!(info.trim(), "sh" | "bash");
                abierto = Some((indice + 1, ejecutable, String::new()));
            }
            (Some(_), Some(_)) => {
                if let Some((linea, true, codigo)) = abierto.take() {
                    bloques.push(Bloque { linea, codigo });
                }
            }
            (Some((_, _, codigo)), None) => {
                codigo.push_str(linea);
                codigo.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(abierto.is_none(), "README.md has a fence that never closes");
    bloques
}

/// Whether `texto` is `patron` with each `…` standing for any text.
fn coincide(patron: &str, texto: &str) -> bool {
    let mut partes = patron.split('…');
    let Some(mut resto) = texto.strip_prefix(partes.next().unwrap_or_default()) else {
        return false;
    };
    let partes: Vec<&str> = partes.collect();
    let Some((ultima, medias)) = partes.split_last() else {
        return resto.is_empty();
    };
    for media in medias {
        match resto.find(media) {
            Some(inicio) => resto = &resto[inicio + media.len()..],
            None => return false,
        }
    }
    resto.ends_with(ultima)
}

/// Replaces each `cargo run … --bin B --` of `codigo` by the path of the built binary B.
fn sin_cargo_run(codigo: &str) -> String {
    let mut resultado = String::new();
    let mut resto = codigo;
    while let Some(inicio) = resto.find("cargo run ") {
        resultado.push_str(&resto[..inicio]);
        let orden = &resto[inicio..];
        let fin = orden
            .find(" -- ")
            .map(|i| i + " -- ".len())
            .unwrap_or_else(|| orden.find('\n').unwrap_or(orden.len()));
        let nombre = orden[..fin]
            .split_whitespace()
            .skip_while(|palabra| *palabra != "--bin")
            .nth(1)
            .unwrap_or_else(|| panic!("`{}` names no --bin", &orden[..fin]));
        resultado.push_str(&binario(nombre).display().to_string());
        resultado.push(' ');
        resto = &orden[fin..];
    }
    resultado.push_str(resto);
    resultado
}

/// What a block printed and how it ended.
struct Ejecucion {
    estado: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `codigo` with `bash -euo pipefail` in the repository root, within `PLAZO_BLOQUE`.
fn ejecutar(codigo: &str, entorno: &[(&str, String)], registros: &Path) -> Ejecucion {
    let ruta_stdout = registros.join("stdout");
    let ruta_stderr = registros.join("stderr");
    let mut comando = Command::new("bash");
    comando
        .args(["-euo", "pipefail", "-c", codigo])
        .current_dir(raiz())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&ruta_stdout).expect("the stdout file"))
        .stderr(std::fs::File::create(&ruta_stderr).expect("the stderr file"));
    for (clave, valor) in entorno {
        comando.env(clave, valor);
    }
    let mut hijo = comando.spawn().expect("bash starts");
    let limite = Instant::now() + PLAZO_BLOQUE;
    let estado = loop {
        if let Some(estado) = hijo.try_wait().expect("the status of bash") {
            break estado;
        }
        if Instant::now() >= limite {
            let _ = hijo.kill();
            break hijo.wait().expect("the status of bash");
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    Ejecucion {
        estado,
        stdout: std::fs::read_to_string(&ruta_stdout).expect("the stdout file"),
        stderr: std::fs::read_to_string(&ruta_stderr).expect("the stderr file"),
    }
}

/// Every `#> …` line of `bloque` against what it printed: the same number of lines, each
/// matching.
fn comprobar_salida(bloque: &Bloque, codigo: &str, ejecucion: &Ejecucion) {
    let esperada = bloque.salida_esperada();
    let impresa: Vec<&str> = ejecucion.stdout.lines().map(str::trim_end).collect();
    let iguales = esperada.len() == impresa.len()
        && esperada
            .iter()
            .zip(&impresa)
            .all(|(patron, linea)| coincide(patron, linea));
    assert!(
        iguales,
        "the block of README.md line {} printed what its `#>` lines do not show\n\
         expected:\n{}\nprinted:\n{}\nthe block as run:\n{codigo}\nstderr:\n{}",
        bloque.linea,
        esperada.join("\n"),
        impresa.join("\n"),
        ejecucion.stderr
    );
}

/// The ui on a free port, against `http` and `broker`; answers it and its port.
async fn ui(http: &str, broker: &str) -> (Proceso, u16) {
    let proceso = Proceso::iniciar(
        "ui",
        &binario("ui"),
        &[],
        &[
            ("UI_HOST", "127.0.0.1".to_owned()),
            ("UI_PORT", "0".to_owned()),
            ("AEROALPES_ADDRESS", http.to_owned()),
            ("PULSAR_URL", broker.to_owned()),
            ("AEROALPES_TOKEN_SERVICIO", TOKEN_SERVICIO.to_owned()),
        ],
    );
    let puerto = proceso.numero_tras(&["ui escuchando"], "puerto=").await;
    (proceso, puerto)
}

/// The adaptador on a free port, against `http`; answers it and its port.
async fn adaptador(http: &str) -> (Proceso, u16) {
    let proceso = Proceso::iniciar(
        "adaptador",
        &binario("adaptador"),
        &[],
        &[
            ("ADAPTADOR_HOST", "127.0.0.1".to_owned()),
            ("ADAPTADOR_PORT", "0".to_owned()),
            ("AEROALPES_ADDRESS", http.to_owned()),
        ],
    );
    let puerto = proceso
        .numero_tras(&["adaptador gRPC escuchando"], "127.0.0.1:")
        .await;
    (proceso, puerto)
}

/// The clients that the blocks printed with their reservations (`{"id", …, "reservas"}`):
/// pairs of client id and reservation id.
fn reservas_de_clientes(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|linea| serde_json::from_str::<Value>(linea).ok())
        .filter_map(|usuario| {
            let id = usuario.get("id")?.as_str()?.to_owned();
            let reservas = usuario.get("reservas")?.as_array()?.clone();
            Some(
                reservas
                    .iter()
                    .filter_map(|reserva| Some((id.clone(), reserva.as_str()?.to_owned())))
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect()
}

#[tokio::test]
async fn every_sh_block_of_the_readme_runs_as_written_and_prints_what_it_shows() {
    let readme = std::fs::read_to_string(raiz().join("README.md")).expect("README.md");
    let bloques = bloques_ejecutables(&readme);
    assert!(!bloques.is_empty(), "README.md has no `sh` block to run");
    for bloque in &bloques {
        assert!(
            !bloque.salida_esperada().is_empty(),
            "the block of README.md line {} shows no `#>` output",
            bloque.linea
        );
    }
    let usa = |texto: &str| bloques.iter().any(|b| b.codigo.contains(texto));

    let datos = tempfile::tempdir().unwrap();
    let url_base_datos = datos.path().join("aeroalpes.db").display().to_string();
    let mut sistema = aeroalpes(datos.path(), &url_base_datos, None).await;
    let mut notificador = notificaciones(datos.path(), &sistema.broker);
    esperar_suscripciones(&notificador).await;
    let direccion = sistema.http.trim_start_matches("http://").to_owned();
    let mut reescrituras = vec![("localhost:5000", direccion)];
    let mut entorno = Vec::new();
    let mut auxiliares = Vec::new();
    if usa("localhost:5678") {
        let (proceso, puerto) = ui(&sistema.http, &sistema.broker).await;
        reescrituras.push(("localhost:5678", format!("127.0.0.1:{puerto}")));
        auxiliares.push(proceso);
    }
    if usa("adaptador-cliente") || usa("localhost:50051") {
        let (proceso, puerto) = adaptador(&sistema.http).await;
        reescrituras.push(("localhost:50051", format!("127.0.0.1:{puerto}")));
        entorno.push(("ADAPTADOR_ADDRESS", format!("http://127.0.0.1:{puerto}")));
        auxiliares.push(proceso);
    }

    let registros = tempfile::tempdir().unwrap();
    let mut reservas = Vec::new();
    for ronda in 1..=2 {
        for bloque in &bloques {
            let mut codigo = sin_cargo_run(&bloque.codigo);
            for (de, a) in &reescrituras {
                codigo = codigo.replace(de, a);
            }
            assert!(
                !codigo.contains("cargo "),
                "the block of README.md line {} still runs cargo:\n{codigo}",
                bloque.linea
            );
            let ejecucion = ejecutar(&codigo, &entorno, registros.path());
            assert!(
                ejecucion.estado.success(),
                "round {ronda}: the block of README.md line {} failed ({}) or outlasted {PLAZO_BLOQUE:?}\n\
                 the block as run:\n{codigo}\nstdout:\n{}\nstderr:\n{}",
                bloque.linea,
                ejecucion.estado,
                ejecucion.stdout,
                ejecucion.stderr
            );
            comprobar_salida(bloque, &codigo, &ejecucion);
            reservas.extend(reservas_de_clientes(&ejecucion.stdout));
        }
    }

    // Each round registers a client who books: notificaciones mails each of them.
    assert!(
        reservas.len() >= 2,
        "the examples show no client with a reservation in each round: {reservas:?}"
    );
    for (id_cliente, id_reserva) in &reservas {
        notificador
            .esperar_linea(&[
                "notificación enviada",
                &format!("id_reserva={id_reserva}"),
                &format!("destinatario=cliente-{id_cliente}@aeroalpes.example"),
                "Reserva creada",
            ])
            .await;
    }

    // SIGTERM rather than the kill of `Drop`: a process that exits writes its coverage
    // profile under `make coverage`.
    for proceso in &mut auxiliares {
        proceso.terminar();
    }
    notificador.terminar();
    sistema.proceso.terminar();
}

#[test]
fn a_pattern_matches_any_text_where_it_has_an_ellipsis() {
    assert!(coincide(r#"{"id":"…"}"#, r#"{"id":"01a2"}"#));
    assert!(coincide(r#"{"id":"…"}"#, r#"{"id":""}"#));
    assert!(coincide("a…b…c", "axxbyyc"));
    assert!(coincide("sin comodín", "sin comodín"));
    assert!(!coincide("sin comodín", "sin comodín, y más"));
    assert!(!coincide(r#"{"id":"…"}"#, r#"{"id":null}"#));
    assert!(!coincide("ab…ba", "aba"));
}

#[test]
fn only_sh_blocks_are_run_and_their_output_lines_are_the_hash_arrow_comments() {
    let markdown = "text\n```sh\necho 1\n#> 1\n# a comment\n```\n```sh no-run\nmake run\n```\n\
                    ```text\nnot code\n```\n```bash\necho\n#>\n```\n";
    let bloques = bloques_ejecutables(markdown);
    assert_eq!(bloques.len(), 2);
    assert_eq!(bloques[0].linea, 2);
    assert_eq!(bloques[0].salida_esperada(), vec!["1"]);
    assert_eq!(bloques[1].salida_esperada(), vec![""]);
}

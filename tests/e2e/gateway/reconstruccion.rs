//! A query replica's read model rebuilt from the broker: with reservations of every kind
//! made through the gateway (synchronous and asynchronous, approved, paid, cancelled, a
//! refused command, some booked by registered clients, one of them deactivated), one query
//! replica is stopped, its database dropped and created again, and the replica started on
//! it: a new generation, whose projection replays every retained message from the earliest.
//! Its read model ends up the same as the other query replica's, row for row, and so do the
//! answers of the list routes.

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::header::AUTHORIZATION;
use reqwest::{Client, RequestBuilder};
use serde_json::Value;
use tokio::time::Instant;

use super::{filas, id_de, Pool, Topologia};
use crate::flujo::{cliente_autenticado, esperar_en, esperar_estado_en, fixture_para};
use crate::procesos::{Proceso, PLAZO, TOKEN_SERVICIO};

/// The tables of a read model, each with its key (the generation, which names the
/// projection's subscriptions, and the inbox are the replica's own, not the model's).
const TABLAS: [(&str, &str); 3] = [
    ("vista_reservas", "id"),
    ("vista_solicitudes", "id_mensaje"),
    ("vista_usuarios", "id"),
];

/// Every row of every table of [`TABLAS`] on the database of `url`, whole (every column,
/// as JSON), by key.
async fn modelo(url: &str) -> Vec<Vec<String>> {
    let mut tablas = Vec::new();
    for (tabla, clave) in TABLAS {
        tablas.push(
            filas(
                url,
                &format!("SELECT to_jsonb(t)::text AS fila FROM {tabla} t ORDER BY {clave}"),
            )
            .await,
        );
    }
    tablas
}

/// What explains a read model that missed a change: the messages its inbox recorded as
/// handled, by type, and what its replica logged above INFO.
async fn diagnostico(url: &str, proceso: &Proceso) -> String {
    let manejados = filas(
        url,
        "SELECT tipo || ': ' || count(*) AS fila FROM inbox GROUP BY tipo ORDER BY tipo",
    )
    .await;
    let registro = proceso.registro();
    let avisos: Vec<&str> = registro
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    format!(
        "{}: messages handled (its inbox) {manejados:?}; it logged:\n{}",
        proceso.nombre,
        avisos.join("\n")
    )
}

/// A query replica: its process and the URL of its read database.
type Lectura<'a> = (&'a Proceso, &'a str);

/// Polls until the read models of replicas `a` and `b` are the same, within [`PLAZO`];
/// answers the model. On failure, the rows that differ and each one's [`diagnostico`].
async fn modelos_iguales(a: Lectura<'_>, b: Lectura<'_>) -> Vec<Vec<String>> {
    let limite = Instant::now() + PLAZO;
    loop {
        let (de_a, de_b) = (modelo(a.1).await, modelo(b.1).await);
        if de_a == de_b {
            return de_a;
        }
        if Instant::now() >= limite {
            let mut diferencias = String::new();
            for (((tabla, _), filas_a), filas_b) in TABLAS.iter().zip(&de_a).zip(&de_b) {
                for fila in filas_a.iter().filter(|f| !filas_b.contains(f)) {
                    diferencias.push_str(&format!("{tabla}, only in {}: {fila}\n", a.0.nombre));
                }
                for fila in filas_b.iter().filter(|f| !filas_a.contains(f)) {
                    diferencias.push_str(&format!("{tabla}, only in {}: {fila}\n", b.0.nombre));
                }
            }
            panic!(
                "the read models still differ after {PLAZO:?}:\n{diferencias}\n{}\n{}",
                diagnostico(a.1, a.0).await,
                diagnostico(b.1, b.0).await
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Polls replica `lectura` (at `http`) until it answers each reservation of `esperadas` in
/// its state, within [`PLAZO`]; on failure, its row and its [`diagnostico`].
async fn hasta_leer(
    servicio: &Client,
    http: &str,
    lectura: Lectura<'_>,
    esperadas: &[(String, &str)],
) {
    let limite = Instant::now() + PLAZO;
    for (id, estado) in esperadas {
        loop {
            let (codigo, reserva) =
                enviar(servicio.get(format!("{http}/vuelos/reserva-query/{id}"))).await;
            if codigo == 200 && reserva["estado"] == *estado {
                break;
            }
            if Instant::now() >= limite {
                let fila = filas(
                    lectura.1,
                    &format!(
                        "SELECT to_jsonb(t)::text AS fila FROM vista_reservas t WHERE id = '{id}'"
                    ),
                )
                .await;
                panic!(
                    "{} never answered {id} {estado} in {PLAZO:?} (it answers {codigo} {reserva}; \
                     its row {fila:?})\n{}",
                    lectura.0.nombre,
                    diagnostico(lectura.1, lectura.0).await
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

/// Runs `sentencia` on the database of `url`.
async fn ejecutar(url: &str, sentencia: String) {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conexion = PgConnection::establish(&url).expect("the test's database answers");
        diesel::sql_query(&sentencia)
            .execute(&mut conexion)
            .unwrap_or_else(|e| panic!("{sentencia}: {e}"));
    })
    .await
    .expect("the statement's thread");
}

/// The name of the database `url` names.
fn nombre_de_base(url: &str) -> &str {
    let sin_parametros = url.split('?').next().unwrap_or(url);
    sin_parametros
        .rsplit_once('/')
        .expect("a database in the URL")
        .1
}

/// The generation a query replica logged at its start.
async fn generacion(t: &Topologia, indice: usize) -> String {
    let linea = t.replicas[indice]
        .aeroalpes
        .proceso
        .esperar_linea(&["vista propia"])
        .await;
    let inicio = linea.find("generacion=").expect("the generation") + "generacion=".len();
    linea[inicio..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// Sends `peticion` and answers its status and JSON body.
async fn enviar(peticion: RequestBuilder) -> (u16, Value) {
    let respuesta = peticion.send().await.expect("the gateway answers");
    let estado = respuesta.status().as_u16();
    (estado, respuesta.json().await.unwrap_or(Value::Null))
}

/// The list routes, as the service (`servicio` sends its token) reads them from replica
/// `http`.
async fn listas(servicio: &Client, http: &str) -> (Value, Value) {
    let mut listas = Vec::new();
    for ruta in ["/vuelos/reserva-query?limite=1000", "/clientes/usuarios"] {
        let (estado, lista) = enviar(servicio.get(format!("{http}{ruta}"))).await;
        assert_eq!(estado, 200, "{http}{ruta}: {lista}");
        listas.push(lista);
    }
    let usuarios = listas.pop().unwrap();
    (listas.pop().unwrap(), usuarios)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_replica_on_a_dropped_and_recreated_database_rebuilds_the_same_read_model() {
    let Some(mut t) = Topologia::levantar().await else {
        return;
    };
    let inicio = Instant::now();
    let anonimo = t.cliente.clone();
    let servicio = Client::builder()
        .default_headers(
            [(
                AUTHORIZATION,
                format!("Bearer {TOKEN_SERVICIO}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    // (reservation, the state it ends in)
    let mut esperadas: Vec<(String, &str)> = Vec::new();

    // Anonymous, synchronous: approved then paid (asynchronously), and cancelled.
    for (accion_final, estado) in [("pagar", "Pagada"), ("cancelar", "Cancelada")] {
        let (creada, _) = t.reservar("/vuelos/reserva").await;
        assert_eq!(creada.status(), 200);
        let id = id_de(creada).await;
        if accion_final == "pagar" {
            let (estado, aprobada) = enviar(t.post(&format!("/vuelos/reserva/{id}/aprobar"))).await;
            assert_eq!(estado, 200, "{aprobada}");
            let (estado, pagada) =
                enviar(t.post(&format!("/vuelos/reserva-comando/{id}/pagar"))).await;
            assert_eq!(estado, 202, "{pagada}");
        } else {
            let (estado, cancelada) =
                enviar(t.post(&format!("/vuelos/reserva/{id}/cancelar"))).await;
            assert_eq!(estado, 200, "{cancelada}");
        }
        esperadas.push((id, estado));
    }
    // Anonymous, asynchronous: one approved asynchronously; one paid before it was
    // approved, which the command service refuses (a request `Rechazada`); one left
    // pending.
    for accion in ["aprobar", "pagar", ""] {
        let (aceptada, _) = t.reservar("/vuelos/reserva-commando").await;
        assert_eq!(aceptada.status(), 202);
        let id = id_de(aceptada).await;
        esperar_estado_en(
            &anonimo,
            &t.url(&format!("/vuelos/reserva-query/{id}")),
            "Pendiente",
        )
        .await;
        let estado = match accion {
            "aprobar" => "Aprobada",
            _ => "Pendiente",
        };
        if !accion.is_empty() {
            let (codigo, respuesta) =
                enviar(t.post(&format!("/vuelos/reserva-commando/{id}/{accion}"))).await;
            assert_eq!(codigo, 202, "{accion}: {respuesta}");
            let desenlace = if accion == "pagar" {
                "Rechazada"
            } else {
                "Aplicada"
            };
            esperar_en(
                &anonimo,
                &t.url(&format!("/vuelos/reserva-query/{id}")),
                &format!("its request to {accion} {desenlace}"),
                |r| r["estado"] == estado && r["ultima_solicitud"]["estado"] == desenlace,
            )
            .await;
        }
        esperadas.push((id, estado));
    }
    // Registered clients: one books synchronously (approved) and asynchronously; the other
    // books asynchronously, then deactivates itself.
    let (usuario_a, cliente_a) = cliente_autenticado(&t.url("")).await;
    let (estado, creada) = enviar(
        cliente_a
            .post(t.url("/vuelos/reserva"))
            .body(fixture_para(&usuario_a)),
    )
    .await;
    assert_eq!(estado, 200, "{creada}");
    let id = creada["id"].as_str().unwrap().to_owned();
    let (estado, aprobada) =
        enviar(cliente_a.post(t.url(&format!("/vuelos/reserva/{id}/aprobar")))).await;
    assert_eq!(estado, 200, "{aprobada}");
    esperadas.push((id, "Aprobada"));
    let (usuario_b, cliente_b) = cliente_autenticado(&t.url("")).await;
    for (usuario, cliente) in [(&usuario_a, &cliente_a), (&usuario_b, &cliente_b)] {
        let (estado, aceptada) = enviar(
            cliente
                .post(t.url("/vuelos/reserva-commando"))
                .body(fixture_para(usuario)),
        )
        .await;
        assert_eq!(estado, 202, "{aceptada}");
        let id = aceptada["id"].as_str().unwrap().to_owned();
        esperar_estado_en(
            cliente,
            &t.url(&format!("/vuelos/reserva-query/{id}")),
            "Pendiente",
        )
        .await;
        esperadas.push((id, "Pendiente"));
    }
    let (estado, desactivado) =
        enviar(cliente_b.post(t.url(&format!("/clientes/usuarios/{usuario_b}/desactivar")))).await;
    assert_eq!(estado, 200, "{desactivado}");

    // Both query replicas have read all of it.
    let consultas: Vec<usize> = (0..t.replicas.len())
        .filter(|&i| t.replicas[i].pool == Pool::Queries)
        .collect();
    let (reconstruida, otra) = (consultas[0], consultas[1]);
    let (url_reconstruida, url_otra) = (
        t.replicas[reconstruida].url_base_datos.clone(),
        t.replicas[otra].url_base_datos.clone(),
    );
    for (replica, url) in [(reconstruida, &url_reconstruida), (otra, &url_otra)] {
        let (http, proceso) = (
            &t.replicas[replica].aeroalpes.http,
            &t.replicas[replica].aeroalpes.proceso,
        );
        hasta_leer(&servicio, http, (proceso, url), &esperadas).await;
        esperar_en(
            &servicio,
            &format!("{http}/clientes/usuarios/desactivados"),
            "the deactivated user",
            |lista| {
                lista
                    .as_array()
                    .is_some_and(|l| l.iter().any(|u| u["id"] == usuario_b.as_str()))
            },
        )
        .await;
    }
    let antes = modelos_iguales(
        (
            &t.replicas[reconstruida].aeroalpes.proceso,
            &url_reconstruida,
        ),
        (&t.replicas[otra].aeroalpes.proceso, &url_otra),
    )
    .await;
    let listas_antes = listas(&servicio, &t.replicas[otra].aeroalpes.http).await;

    // Stopped, its database dropped and created again, started on it.
    let generacion_antes = generacion(&t, reconstruida).await;
    assert!(t.replicas[reconstruida]
        .aeroalpes
        .proceso
        .terminar()
        .success());
    let base = nombre_de_base(&url_reconstruida).to_owned();
    let servidor = t.bases.escrituras.url.clone();
    ejecutar(&servidor, format!("DROP DATABASE \"{base}\" WITH (FORCE)")).await;
    ejecutar(&servidor, format!("CREATE DATABASE \"{base}\"")).await;
    let recreada = Instant::now();
    t.reiniciar(reconstruida).await;
    let generacion_despues = generacion(&t, reconstruida).await;
    assert_ne!(
        generacion_antes, generacion_despues,
        "a new database is a new generation"
    );

    // Row for row the other's, and the same as before.
    let despues = modelos_iguales(
        (
            &t.replicas[reconstruida].aeroalpes.proceso,
            &url_reconstruida,
        ),
        (&t.replicas[otra].aeroalpes.proceso, &url_otra),
    )
    .await;
    let reconstruccion = recreada.elapsed();
    assert_eq!(despues, antes, "the read model changed meanwhile");
    let filas_por_tabla: Vec<usize> = despues.iter().map(Vec::len).collect();
    println!(
        "rebuilt {filas_por_tabla:?} rows of {:?} in {reconstruccion:.1?} (whole test {:.1?})",
        TABLAS.map(|(tabla, _)| tabla),
        inicio.elapsed()
    );
    assert_eq!(filas_por_tabla[0], esperadas.len());
    assert_eq!(filas_por_tabla[2], 2, "both users");

    // The list routes answer the same from both, and the same as before.
    let http_reconstruida = t.replicas[reconstruida].aeroalpes.http.clone();
    let de_la_reconstruida = listas(&servicio, &http_reconstruida).await;
    assert_eq!(
        de_la_reconstruida,
        listas(&servicio, &t.replicas[otra].aeroalpes.http).await
    );
    assert_eq!(de_la_reconstruida, listas_antes);
    let (reservas, usuarios) = de_la_reconstruida;
    let listadas: Vec<&str> = reservas
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for (id, estado) in &esperadas {
        assert!(listadas.contains(&id.as_str()), "{id} ({estado}) is listed");
    }
    let usuarios: Vec<&str> = usuarios
        .as_array()
        .expect("a list")
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(usuarios.contains(&usuario_a.as_str()) && usuarios.contains(&usuario_b.as_str()));
    // A client's token is accepted by the rebuilt replica (its user is back), with the
    // client's reservations.
    let (estado, usuario) =
        enviar(cliente_a.get(format!("{http_reconstruida}/clientes/usuarios/{usuario_a}"))).await;
    assert_eq!(estado, 200, "{usuario}");
    assert_eq!(usuario["id"], usuario_a.as_str());
}

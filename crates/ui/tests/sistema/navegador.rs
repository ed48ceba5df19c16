//! The page in a real browser: headless Chromium, driven over WebDriver by chromedriver
//! (the Debian packages `chromium` and `chromium-driver`, which `make test` installs).
//! Two pages at once: each creates its reservation and sees only its own; one approves
//! and pays and sees each state arrive; the other sees a refusal with its rule. A screenshot is left in `target/ui-e2e/final.png`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::ayudantes::{arrancar, PLAZO};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, killed when dropped.
struct Chromedriver {
    proceso: Child,
    puerto: u16,
}

impl Chromedriver {
    fn iniciar() -> Self {
        let puerto = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let proceso = Command::new(CHROMEDRIVER)
            .arg(format!("--port={puerto}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let limite = Instant::now() + PLAZO;
        while TcpStream::connect(("127.0.0.1", puerto)).is_err() {
            assert!(Instant::now() < limite, "chromedriver does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { proceso, puerto }
    }

    /// A new headless browser.
    async fn navegador(&self) -> Client {
        let mut capacidades = serde_json::Map::new();
        capacidades.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"],
            }),
        );
        ClientBuilder::native()
            .capabilities(capacidades)
            .connect(&format!("http://127.0.0.1:{}", self.puerto))
            .await
            .expect("chromedriver opens a browser")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.proceso.kill();
        let _ = self.proceso.wait();
    }
}

fn directorio_capturas() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("ui-e2e")
}

async fn esperar(pagina: &Client, selector: &str) -> fantoccini::elements::Element {
    pagina
        .wait()
        .at_most(PLAZO)
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} does not appear: {e}"))
}

async fn clic(pagina: &Client, selector: &str) {
    esperar(pagina, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{selector} cannot be clicked: {e}"));
}

/// Loads the sample, submits it and waits for its `Creada`; the reservation's id.
async fn reservar_ejemplo(pagina: &Client) -> String {
    clic(pagina, "#cargar-ejemplo").await;
    clic(pagina, "#reservar").await;
    let linea = esperar(
        pagina,
        "#reservas-vivas li[data-reserva-id] .estado[data-nombre=\"Creada\"]",
    )
    .await;
    assert_eq!(linea.text().await.expect("its text"), "Creada");
    esperar(pagina, "#reservas-vivas li[data-reserva-id]")
        .await
        .attr("data-reserva-id")
        .await
        .expect("the attribute reads")
        .expect("the line has its id")
}

async fn ids_en_vivo(pagina: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for linea in pagina
        .find_all(Locator::Css("#reservas-vivas li"))
        .await
        .expect("the list reads")
    {
        ids.push(
            linea
                .attr("data-reserva-id")
                .await
                .expect("the attribute reads")
                .unwrap_or_default(),
        );
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_a_reservation_is_created_approved_and_paid_and_each_page_sees_its_own() {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        // `make test` (and so CI) installs both first: there, a missing browser is a failure,
        // never a silent pass. A bare `cargo test` on a machine without them says so.
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} or {CHROMEDRIVER} is missing: `make system-deps` installs them"
        );
        eprintln!(
            "skipped: {CHROMIUM} or {CHROMEDRIVER} is missing (make system-deps installs them)"
        );
        return;
    }
    let sistema = arrancar().await;
    let chromedriver = Chromedriver::iniciar();
    let a = chromedriver.navegador().await;
    let b = chromedriver.navegador().await;
    for pagina in [&a, &b] {
        pagina
            .goto(&sistema.ui.url())
            .await
            .expect("the page loads");
        esperar(pagina, "#conexion[data-estado=\"abierta\"]").await;
    }

    let id_a = reservar_ejemplo(&a).await;
    let id_b = reservar_ejemplo(&b).await;
    assert_ne!(id_a, id_b);

    let linea_a = format!("#reserva-{id_a}");
    clic(&a, &format!("{linea_a} button[data-accion=\"aprobar\"]")).await;
    esperar(&a, &format!("{linea_a} .estado[data-nombre=\"Aprobada\"]")).await;
    clic(&a, &format!("{linea_a} button[data-accion=\"pagar\"]")).await;
    esperar(&a, &format!("{linea_a} .estado[data-nombre=\"Pagada\"]")).await;

    assert_eq!(ids_en_vivo(&a).await, vec![id_a.clone()]);
    assert_eq!(ids_en_vivo(&b).await, vec![id_b.clone()]);
    // B's line never got A's states.
    assert!(b
        .find(Locator::Css(".estado[data-nombre=\"Pagada\"]"))
        .await
        .is_err());
    // A refused reservation (a leg that lands where it left) shows aeroalpes' rule.
    clic(&b, "#cargar-ejemplo").await;
    let destino = esperar(&b, "#legs [data-leg] [name=\"destino_codigo\"]").await;
    destino.clear().await.expect("the field clears");
    destino
        .send_keys("BOG")
        .await
        .expect("the field takes the code");
    clic(&b, "#reservar").await;
    let error = esperar(
        &b,
        "#reservas-vivas li[data-rechazada=\"true\"] [data-error]",
    )
    .await;
    assert!(
        !error.text().await.expect("its text").is_empty(),
        "the refusal is shown"
    );
    // The list of recent reservations shows both, A's as paid.
    clic(&a, "#recargar-recientes").await;
    esperar(
        &a,
        &format!("#tabla-recientes tr[data-reserva-id=\"{id_b}\"]"),
    )
    .await;

    let directorio = directorio_capturas();
    std::fs::create_dir_all(&directorio).expect("the screenshot directory");
    let captura = a.screenshot().await.expect("a screenshot");
    std::fs::write(directorio.join("final.png"), captura).expect("the screenshot is written");

    a.close().await.expect("browser A closes");
    b.close().await.expect("browser B closes");
}

//! A TCP proxy that a test can hang: it forwards every connection to its destination until
//! [`Proxy::colgar`], then stops forwarding in both directions while keeping every
//! connection open, and accepts new ones without ever answering, as a server that hangs
//! (PostgreSQL stuck on a lock or a dead disk, a host behind a dropped route) looks to its
//! clients. Nothing is refused, so a client only notices through its own timeouts.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    direccion: SocketAddr,
    colgado: watch::Sender<bool>,
    aceptador: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `destino`.
    pub async fn hacia(destino: SocketAddr) -> Self {
        let escucha = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the proxy");
        let direccion = escucha.local_addr().expect("the proxy's address");
        let (colgado, _) = watch::channel(false);
        let estado = colgado.clone();
        let aceptador = tokio::spawn(async move {
            while let Ok((entrante, _)) = escucha.accept().await {
                let colgado = estado.subscribe();
                tokio::spawn(reenviar(entrante, destino, colgado));
            }
        });
        Self {
            direccion,
            colgado,
            aceptador,
        }
    }

    pub fn direccion(&self) -> SocketAddr {
        self.direccion
    }

    /// From now on nothing goes through, and nothing is closed.
    pub fn colgar(&self) {
        self.colgado.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Closing the channel ends every connection's task, and with it its sockets.
        self.aceptador.abort();
    }
}

/// Copies bytes both ways until either side closes; once hung, holds both sockets open
/// and silent until the proxy is dropped.
async fn reenviar(
    mut entrante: TcpStream,
    destino: SocketAddr,
    mut colgado: watch::Receiver<bool>,
) {
    if *colgado.borrow() {
        esperar_fin(&mut colgado).await;
        return;
    }
    let Ok(mut saliente) = TcpStream::connect(destino).await else {
        return;
    };
    let (mut lee_entrante, mut escribe_entrante) = entrante.split();
    let (mut lee_saliente, mut escribe_saliente) = saliente.split();
    let mut ida = [0u8; 16 * 1024];
    let mut vuelta = [0u8; 16 * 1024];
    loop {
        tokio::select! {
            leidos = lee_entrante.read(&mut ida) => match leidos {
                Ok(0) | Err(_) => return,
                Ok(n) => if escribe_saliente.write_all(&ida[..n]).await.is_err() { return },
            },
            leidos = lee_saliente.read(&mut vuelta) => match leidos {
                Ok(0) | Err(_) => return,
                Ok(n) => if escribe_entrante.write_all(&vuelta[..n]).await.is_err() { return },
            },
            cambio = colgado.changed() => {
                if cambio.is_err() || *colgado.borrow() {
                    esperar_fin(&mut colgado).await;
                    return;
                }
            }
        }
    }
}

/// Waits until the proxy is dropped (its channel closes).
async fn esperar_fin(colgado: &mut watch::Receiver<bool>) {
    while colgado.changed().await.is_ok() {}
}

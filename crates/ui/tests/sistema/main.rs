//! The ui against the real system: aeroalpes in process on port 0 with its embedded
//! broker, the ui on port 0, and clients of the ui — a websocket client, and headless
//! Chromium driven over WebDriver.

mod ayudantes;
mod navegador;
mod reinicio;
mod websocket;

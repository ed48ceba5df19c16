//! Who the client of a request is, by address: the connection's peer, or, when that peer
//! is a proxy this service trusts (the API gateway, gateway/nginx.conf), the address the
//! proxy says it served. The log-in throttle and the anonymous scope of `Idempotency-Key`
//! key on it.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, HeaderName, X_FORWARDED_FOR};
use actix_web::HttpRequest;

/// The header in which a proxy names the client it served (nginx: `X-Real-IP $remote_addr`).
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// The hops of `X-Forwarded-For` read, from the right, before giving up on it: a chain of
/// proxies is a handful long, and a client must not make the service read a long list.
const SALTOS_MAXIMOS: usize = 16;

/// The longest text of an address (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
const LARGO_MAXIMO_DIRECCION: usize = 45;

/// An address, or a CIDR block of addresses, whose requests come from a trusted proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedIp {
    red: IpAddr,
    prefijo: u8,
}

impl RedIp {
    /// An address (`127.0.0.1`, `::1`) or a block (`10.0.0.0/8`, `fd00::/8`); `None` for
    /// anything else, a block whose address has bits past its prefix (`10.1.2.3/8`, most
    /// likely a typo) included.
    pub fn parse(texto: &str) -> Option<Self> {
        let texto = texto.trim();
        match texto.split_once('/') {
            None => {
                let red = direccion(texto)?;
                Some(Self {
                    red,
                    prefijo: ancho(red),
                })
            }
            Some((red, prefijo)) => {
                let red: IpAddr = red.parse().ok()?;
                let prefijo: u8 = Some(prefijo)
                    .filter(|p| {
                        (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
                    })?
                    .parse()
                    .ok()
                    .filter(|&p| p <= ancho(red))?;
                let bloque = Self { red, prefijo };
                // No bits past the prefix: shifting them out and back in changes nothing.
                let sin_host = bloque
                    .prefijo_de(red)
                    .checked_shl(bloque.bits_de_host())
                    .unwrap_or(0);
                (sin_host == valor(red)).then_some(bloque)
            }
        }
    }

    /// Whether `ip` is this address or in this block.
    pub fn contiene(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.red.is_ipv4() && self.prefijo_de(ip) == self.prefijo_de(self.red)
    }

    fn bits_de_host(&self) -> u32 {
        u32::from(ancho(self.red) - self.prefijo)
    }

    /// The first `prefijo` bits of `ip`.
    fn prefijo_de(&self, ip: IpAddr) -> u128 {
        valor(ip).checked_shr(self.bits_de_host()).unwrap_or(0)
    }
}

/// The proxies whose word on the client's address is believed
/// (`AEROALPES_PROXIES_CONFIABLES`). Empty by default: no header is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxiesConfiables(Vec<RedIp>);

impl FromIterator<RedIp> for ProxiesConfiables {
    fn from_iter<I: IntoIterator<Item = RedIp>>(redes: I) -> Self {
        Self(redes.into_iter().collect())
    }
}

impl ProxiesConfiables {
    /// Whether `ip` is a trusted proxy.
    pub fn confia_en(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|red| red.contiene(ip))
    }

    /// The address of the client of `peticion`: its connection's peer, unless the peer is a
    /// trusted proxy; then the address in `X-Real-IP` (one header, one address), or, without
    /// it, the right-most address of `X-Forwarded-For` that is not a trusted proxy (the
    /// left-most when all are). A header that does not parse as addresses, a second
    /// `X-Real-IP`, or a chain longer than the service reads, leaves the peer: a header is
    /// never an error. A header from a peer that is not trusted is ignored, so a client
    /// cannot choose its address. `None` only without a peer (a request built in a test).
    pub fn direccion_cliente(&self, peticion: &HttpRequest) -> Option<IpAddr> {
        let par = peticion.peer_addr()?.ip().to_canonical();
        if !self.confia_en(par) {
            return Some(par);
        }
        Some(self.segun_proxy(peticion.headers()).unwrap_or(par))
    }

    /// The client a trusted proxy names in `cabeceras`, if it names one well.
    fn segun_proxy(&self, cabeceras: &HeaderMap) -> Option<IpAddr> {
        let mut reales = cabeceras.get_all(X_REAL_IP);
        if let Some(real) = reales.next() {
            return match reales.next() {
                None => direccion(real.to_str().ok()?),
                Some(_) => None,
            };
        }
        let lineas = cabeceras
            .get_all(X_FORWARDED_FOR)
            .map(|linea| linea.to_str())
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        // Each proxy appends the peer it served: read from the right, the first address
        // not of a trusted proxy is the client; those to its left are the client's word.
        let mut saltos = lineas.iter().rev().flat_map(|linea| linea.rsplit(','));
        let mut mas_lejano = None;
        for salto in saltos.by_ref().take(SALTOS_MAXIMOS) {
            let ip = direccion(salto)?;
            if !self.confia_en(ip) {
                return Some(ip);
            }
            mas_lejano = Some(ip);
        }
        match saltos.next() {
            None => mas_lejano,
            Some(_) => None,
        }
    }
}

/// One address, spaces around it allowed; an IPv4 address mapped into IPv6 is the IPv4 one.
fn direccion(texto: &str) -> Option<IpAddr> {
    let texto = texto.trim_matches([' ', '\t']);
    if texto.len() > LARGO_MAXIMO_DIRECCION {
        return None;
    }
    texto.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

fn ancho(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn valor(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(ip) => u32::from(ip).into(),
        IpAddr::V6(ip) => ip.into(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn proxies(lista: &[&str]) -> ProxiesConfiables {
        lista
            .iter()
            .map(|red| RedIp::parse(red).expect("an address or block"))
            .collect()
    }

    fn ip(texto: &str) -> IpAddr {
        texto.parse().expect("an address")
    }

    /// The client of a request from `par` with `cabeceras`, behind the gateway's proxies.
    fn cliente(par: &str, cabeceras: &[(&str, &str)]) -> IpAddr {
        let mut peticion = TestRequest::default().peer_addr((ip(par), 40_000).into());
        for &cabecera in cabeceras {
            peticion = peticion.append_header(cabecera);
        }
        proxies(&["127.0.0.1", "10.0.0.0/8", "fd00::/8"])
            .direccion_cliente(&peticion.to_http_request())
            .expect("a peer")
    }

    #[test]
    fn addresses_and_blocks_of_both_families_are_read() {
        let lista = proxies(&["127.0.0.1", " 10.0.0.0/8 ", "fd00::/8", "::1", "0.0.0.0/0"]);
        for dentro in ["127.0.0.1", "10.255.0.3", "fd12::1", "::1", "8.8.8.8"] {
            assert!(lista.confia_en(ip(dentro)), "{dentro}");
        }
        let v6 = proxies(&["fd00::/8", "::1"]);
        for fuera in ["fe80::1", "::2", "1.2.3.4"] {
            assert!(!v6.confia_en(ip(fuera)), "{fuera}");
        }
        assert!(proxies(&["::ffff:10.0.0.1"]).confia_en(ip("10.0.0.1")));
        assert!(!proxies(&["10.0.0.0/9"]).confia_en(ip("10.128.0.1")));
        assert!(proxies(&["10.0.0.0/9"]).confia_en(ip("10.127.255.255")));
    }

    #[test]
    fn what_is_not_an_address_or_a_block_is_refused() {
        for malo in [
            "",
            "localhost",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/0008",
            "10.1.2.3/8",
            "10.0.0.0/8/8",
            "1.2.3.4:80",
            "[::1]",
        ] {
            assert_eq!(RedIp::parse(malo), None, "{malo:?}");
        }
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_sends() {
        let cabeceras = [("x-real-ip", "1.2.3.4"), ("x-forwarded-for", "5.6.7.8")];
        assert_eq!(cliente("192.0.2.9", &cabeceras), ip("192.0.2.9"));
        assert_eq!(cliente("::ffff:192.0.2.9", &[]), ip("192.0.2.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_its_x_real_ip() {
        let cabeceras = [
            ("x-real-ip", " 203.0.113.7 "),
            ("x-forwarded-for", "5.6.7.8"),
        ];
        assert_eq!(cliente("10.0.0.2", &cabeceras), ip("203.0.113.7"));
        assert_eq!(
            cliente("fd00::2", &[("x-real-ip", "2001:db8::7")]),
            ip("2001:db8::7")
        );
        assert_eq!(cliente("127.0.0.1", &[]), ip("127.0.0.1"), "no header");
    }

    #[test]
    fn without_x_real_ip_the_client_is_the_right_most_untrusted_hop_of_x_forwarded_for() {
        let cadena = [("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.5")];
        assert_eq!(cliente("127.0.0.1", &cadena), ip("203.0.113.7"));
        let en_lineas = [
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.7,10.0.0.5"),
        ];
        assert_eq!(cliente("127.0.0.1", &en_lineas), ip("203.0.113.7"));
        let internos = [("x-forwarded-for", "10.0.0.9, 10.0.0.5")];
        assert_eq!(cliente("127.0.0.1", &internos), ip("10.0.0.9"));
    }

    #[test]
    fn a_malformed_header_leaves_the_peer() {
        for cabeceras in [
            &[("x-real-ip", "no es una dirección")][..],
            &[("x-real-ip", "203.0.113.7, 203.0.113.8")],
            &[("x-real-ip", "203.0.113.7"), ("x-real-ip", "203.0.113.8")],
            &[("x-real-ip", "")],
            &[("x-real-ip", "203.0.113.7:443")],
            &[("x-forwarded-for", "unknown")],
            &[("x-forwarded-for", "203.0.113.7,,10.0.0.5")],
            &[("x-forwarded-for", "203.0.113.7, basura")],
            &[("x-forwarded-for", "")],
            &[("x-forwarded-for", "[2001:db8::1]:80")],
        ] {
            assert_eq!(
                cliente("10.0.0.2", cabeceras),
                ip("10.0.0.2"),
                "{cabeceras:?}"
            );
        }
        let no_ascii = actix_web::http::header::HeaderValue::from_bytes("1.2.3.4ñ".as_bytes())
            .expect("a header value");
        let peticion = TestRequest::default()
            .peer_addr((ip("127.0.0.1"), 1).into())
            .append_header(("x-real-ip", no_ascii))
            .to_http_request();
        assert_eq!(
            proxies(&["127.0.0.1"]).direccion_cliente(&peticion),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn a_chain_longer_than_is_read_leaves_the_peer() {
        let larga = ["10.0.0.7"; SALTOS_MAXIMOS + 1].join(",");
        let larga = format!("203.0.113.7,{larga}");
        assert_eq!(
            cliente("10.0.0.2", &[("x-forwarded-for", &larga)]),
            ip("10.0.0.2")
        );
        let justa = ["10.0.0.7"; SALTOS_MAXIMOS - 1].join(",");
        let justa = format!("203.0.113.7,{justa}");
        assert_eq!(
            cliente("10.0.0.2", &[("x-forwarded-for", &justa)]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn trusting_nobody_every_client_is_its_peer() {
        let peticion = TestRequest::default()
            .peer_addr((ip("127.0.0.1"), 1).into())
            .append_header(("x-real-ip", "203.0.113.7"))
            .to_http_request();
        assert_eq!(
            ProxiesConfiables::default().direccion_cliente(&peticion),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(
            ProxiesConfiables::default()
                .direccion_cliente(&TestRequest::default().to_http_request()),
            None
        );
    }
}

// The AeroAlpes page: sends orders to the ui backend over a websocket and shows, per
// reservation, each state as its event arrives. No framework, no external assets.
"use strict";

const EJEMPLO = [
  { origen: ["BOG", "Aeropuerto Internacional El Dorado"], destino: ["MAD", "Adolfo Suárez Madrid-Barajas"],
    salida: "2027-03-10T22:05", llegada: "2027-03-11T14:40" },
  { origen: ["MAD", "Adolfo Suárez Madrid-Barajas"], destino: ["CDG", "Paris Charles de Gaulle"],
    salida: "2027-03-11T16:30", llegada: "2027-03-11T18:45" },
];

const $ = (selector, raiz = document) => raiz.querySelector(selector);
const legs = $("#legs");
const lista = $("#reservas-vivas");
const errorFormulario = $("#error-formulario");
const sesion = Math.random().toString(36).slice(2, 8);
let contador = 0;
let socket = null;
let espera = 500;
const pendientes = []; // messages written while the socket was not open

// ---- the websocket ---------------------------------------------------------------

function conectar() {
  const protocolo = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${protocolo}//${location.host}/ws`);
  marcarConexion("conectando");
  socket.addEventListener("open", () => {
    espera = 500;
    marcarConexion("abierta");
    while (pendientes.length) socket.send(pendientes.shift());
  });
  socket.addEventListener("message", (mensaje) => recibir(JSON.parse(mensaje.data)));
  socket.addEventListener("close", () => {
    marcarConexion("cerrada");
    setTimeout(conectar, espera);
    espera = Math.min(espera * 2, 10000);
  });
}

function marcarConexion(estado) {
  const indicador = $("#conexion");
  indicador.dataset.estado = estado;
  indicador.textContent = { conectando: "conectando…", abierta: "conectado", cerrada: "desconectado" }[estado];
}

function enviar(mensaje) {
  const texto = JSON.stringify(mensaje);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(texto);
  else pendientes.push(texto);
}

function nuevaCorrelacion() {
  contador += 1;
  return `pagina-${sesion}-${contador}`;
}

// ---- messages from the backend -----------------------------------------------------

function recibir(mensaje) {
  switch (mensaje.tipo) {
    case "aceptada": return aceptada(mensaje);
    case "evento": return evento(mensaje);
    case "error": return rechazada(mensaje);
  }
}

function aceptada({ correlacion, id, orden }) {
  let linea = lineaDeReserva(id);
  if (!linea && orden === "crear") {
    linea = $(`li[data-correlacion="${CSS.escape(correlacion)}"]`, lista);
    if (linea) asignarId(linea, id);
  }
  if (!linea) linea = crearLinea(correlacion, id);
  if (orden === "crear") agregarEstado(linea, "Aceptada");
  limpiarError(linea);
}

function evento({ id, evento: nombre }) {
  const linea = lineaDeReserva(id) || crearLinea(null, id);
  agregarEstado(linea, nombre);
  if (nombre === "Pagada" || nombre === "Cancelada") {
    for (const boton of linea.querySelectorAll("button[data-accion]")) boton.disabled = true;
  }
  recargarRecientesPronto();
}

function rechazada({ correlacion, id, error, regla }) {
  const texto = regla ? `${error} (${regla})` : error;
  const linea = (id && lineaDeReserva(id)) ||
    (correlacion && $(`li[data-correlacion="${CSS.escape(correlacion)}"]`, lista));
  if (linea) {
    const hueco = $("[data-error]", linea);
    hueco.textContent = texto;
    linea.dataset.rechazada = "true";
  } else {
    errorFormulario.textContent = texto;
  }
}

// ---- the reservations of this page -------------------------------------------------

function lineaDeReserva(id) {
  return $(`li[data-reserva-id="${CSS.escape(id)}"]`, lista);
}

function crearLinea(correlacion, id) {
  const linea = $("#plantilla-reserva").content.firstElementChild.cloneNode(true);
  if (correlacion) {
    linea.dataset.correlacion = correlacion;
    $(".correlacion", linea).textContent = correlacion;
  }
  for (const boton of linea.querySelectorAll("button[data-accion]")) {
    boton.disabled = true;
    boton.addEventListener("click", () => {
      const idReserva = linea.dataset.reservaId;
      if (!idReserva) return;
      limpiarError(linea);
      enviar({ tipo: "accion", accion: boton.dataset.accion, id: idReserva, correlacion: nuevaCorrelacion() });
    });
  }
  if (id) asignarId(linea, id);
  lista.prepend(linea);
  return linea;
}

function asignarId(linea, id) {
  linea.dataset.reservaId = id;
  linea.id = `reserva-${id}`;
  $(".id-reserva", linea).textContent = id;
  for (const boton of linea.querySelectorAll("button[data-accion]")) boton.disabled = false;
}

function agregarEstado(linea, nombre) {
  const estados = $("[data-estados]", linea);
  if ($(`.estado[data-nombre="${nombre}"]`, estados)) return;
  const marca = document.createElement("span");
  marca.className = "estado";
  marca.dataset.nombre = nombre;
  marca.textContent = nombre;
  estados.append(marca);
  linea.dataset.ultimoEstado = nombre;
}

function limpiarError(linea) {
  $("[data-error]", linea).textContent = "";
  delete linea.dataset.rechazada;
}

// ---- the form ----------------------------------------------------------------------

function agregarLeg(valores) {
  const leg = $("#plantilla-leg").content.firstElementChild.cloneNode(true);
  if (valores) {
    leg.querySelector('[name="origen_codigo"]').value = valores.origen[0];
    leg.querySelector('[name="origen_nombre"]').value = valores.origen[1];
    leg.querySelector('[name="destino_codigo"]').value = valores.destino[0];
    leg.querySelector('[name="destino_nombre"]').value = valores.destino[1];
    leg.querySelector('[name="fecha_salida"]').value = valores.salida;
    leg.querySelector('[name="fecha_llegada"]').value = valores.llegada;
  }
  $(".quitar-leg", leg).addEventListener("click", () => {
    if (legs.children.length > 1) leg.remove();
  });
  legs.append(leg);
}

function cargarEjemplo() {
  legs.replaceChildren();
  EJEMPLO.forEach(agregarLeg);
  errorFormulario.textContent = "";
}

// A datetime-local value ("2027-03-10T22:05") read as UTC.
function comoUtc(valor) {
  return valor.length === 16 ? `${valor}:00Z` : `${valor}Z`;
}

function itinerario() {
  const tramos = [...legs.querySelectorAll("[data-leg]")].map((leg) => {
    const campo = (nombre) => leg.querySelector(`[name="${nombre}"]`).value.trim();
    return {
      fecha_salida: comoUtc(campo("fecha_salida")),
      fecha_llegada: comoUtc(campo("fecha_llegada")),
      origen: { codigo: campo("origen_codigo").toUpperCase(), nombre: campo("origen_nombre") },
      destino: { codigo: campo("destino_codigo").toUpperCase(), nombre: campo("destino_nombre") },
    };
  });
  return { itinerarios: [{ odos: [{ segmentos: [{ legs: tramos }] }] }] };
}

function reservar(e) {
  e.preventDefault();
  errorFormulario.textContent = "";
  const correlacion = nuevaCorrelacion();
  crearLinea(correlacion, null);
  enviar({ tipo: "crear", correlacion, reserva: itinerario() });
}

// ---- the recent reservations -------------------------------------------------------

let temporizadorRecientes = null;

function recargarRecientesPronto() {
  clearTimeout(temporizadorRecientes);
  temporizadorRecientes = setTimeout(cargarRecientes, 300);
}

async function cargarRecientes() {
  const cuerpo = $("#tabla-recientes tbody");
  try {
    const respuesta = await fetch("/api/reservas");
    if (!respuesta.ok) throw new Error(`HTTP ${respuesta.status}`);
    const reservas = await respuesta.json();
    cuerpo.replaceChildren(...reservas.map(filaReciente));
  } catch (error) {
    const fila = document.createElement("tr");
    const celda = document.createElement("td");
    celda.colSpan = 4;
    celda.className = "error";
    celda.textContent = `No se pudo cargar la lista: ${error.message}`;
    fila.append(celda);
    cuerpo.replaceChildren(fila);
  }
}

function filaReciente(reserva) {
  const fila = document.createElement("tr");
  fila.dataset.reservaId = reserva.id;
  const aeropuertos = (reserva.itinerarios || []).flatMap((i) => i.odos || [])
    .flatMap((o) => o.segmentos || []).flatMap((s) => s.legs || [])
    .flatMap((l, n) => (n === 0 ? [l.origen?.codigo, l.destino?.codigo] : [l.destino?.codigo]));
  for (const texto of [reserva.id, reserva.estado, reserva.fecha_creacion, aeropuertos.join(" → ")]) {
    const celda = document.createElement("td");
    celda.textContent = texto ?? "";
    fila.append(celda);
  }
  return fila;
}

// ---- start -------------------------------------------------------------------------

$("#agregar-leg").addEventListener("click", () => agregarLeg());
$("#cargar-ejemplo").addEventListener("click", cargarEjemplo);
$("#formulario-reserva").addEventListener("submit", reservar);
$("#recargar-recientes").addEventListener("click", cargarRecientes);
agregarLeg();
conectar();
cargarRecientes();

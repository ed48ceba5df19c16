#!/usr/bin/env python3
"""Checks docker-compose.yml against the repository it deploys, profile by profile.

docker-compose 1.29 validates the syntax only (`config` ignores `--profile`), so this reads
the file itself and checks what a deployment needs: each profile starts the services it is
meant to, and the services it depends on; every dependency waits for a health check; every
service restarts; every variable given to an AeroAlpes service is one its binaries read
(found in the Rust sources of the packages its Dockerfile builds); Dockerfiles, exposed
ports, volumes and mounted files exist and agree; env files have a committed example and
stay out of git and of the build context; Prometheus scrapes services and ports that
exist; the Grafana provisioning points at Prometheus and the dashboards use only the
metrics of the contract, with their labels, and all of them.

Usage: revisar_compose.py [--proyecto DIR] [COMPOSE]
  DIR      the project directory: relative paths of COMPOSE resolve against it, and the
           Rust sources and .gitignore are read from it (default: this repository)
  COMPOSE  the compose file (default: DIR/docker-compose.yml)
Prints every problem found and exits 1 if there is any, 0 otherwise.
"""

import argparse
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path, PurePosixPath

import yaml

# What each profile starts, exactly: `docker-compose --profile P up` must bring up a
# working set. The broker (profile pulsar) is started on its own, first (README,
# "Deployment"): services reach it by name and wait for it themselves.
PERFILES = {
    "pulsar": {"pulsar", "pulsar-retencion"},
    "aeroalpes": {"postgres", "aeroalpes"},
    "monolito": {"postgres", "aeroalpes"},
    "notificacion": {"notificacion"},
    "adaptador": {"postgres", "aeroalpes", "adaptador"},
    "ui": {"postgres", "aeroalpes", "ui"},
    "observabilidad": {"prometheus", "grafana"},
    "escalado": {
        "postgres",
        "postgres-lecturas",
        "aeroalpes-comandos",
        "aeroalpes-queries",
        "gateway",
    },
}

# The services Prometheus must scrape (each serves GET /metrics).
RASPADOS = {"aeroalpes", "ui", "notificacion", "pulsar"}

# The metrics contract: name -> (type, labels). Every service prefixes its own metrics with
# aeroalpes_; the broker's (Apache Pulsar or pulsar-embedded) are Apache Pulsar's names.
METRICAS = {
    "aeroalpes_http_requests_total": ("counter", {"metodo", "ruta", "estado"}),
    "aeroalpes_http_request_duration_seconds": ("histogram", {"metodo", "ruta"}),
    "aeroalpes_comandos_total": ("counter", {"tipo", "resultado"}),
    "aeroalpes_outbox_pendientes": ("gauge", set()),
    "aeroalpes_outbox_antiguedad_segundos": ("gauge", set()),
    "aeroalpes_relay_publicados_total": ("counter", set()),
    "aeroalpes_relay_fallos_total": ("counter", set()),
    "aeroalpes_inbox_duplicados_total": ("counter", {"suscripcion"}),
    "aeroalpes_mensajes_manejados_total": ("counter", {"suscripcion", "resultado"}),
    "aeroalpes_mensaje_duracion_segundos": ("histogram", {"suscripcion"}),
    "aeroalpes_mensajes_reentregados_total": ("counter", {"suscripcion"}),
    "aeroalpes_notificaciones_enviadas_total": ("counter", {"tipo"}),
    "aeroalpes_ui_conexiones": ("gauge", set()),
    "aeroalpes_ui_eventos_enviados_total": ("counter", set()),
    "pulsar_in_messages_total": ("counter", {"topic"}),
    "pulsar_out_messages_total": ("counter", {"topic"}),
    "pulsar_msg_backlog": ("gauge", {"topic", "subscription"}),
    "pulsar_storage_size": ("gauge", {"topic"}),
}
# Labels Prometheus adds to every series, and those Apache Pulsar adds to its own.
ETIQUETAS_COMUNES = {"job", "instance"}
ETIQUETAS_PULSAR = {"cluster", "namespace"}
SUFIJOS_HISTOGRAMA = ("_bucket", "_sum", "_count")

REINICIOS = {"always", "unless-stopped", "on-failure"}
CONFIGURACION_PROMETHEUS = "/etc/prometheus/prometheus.yml"
PROVISION_GRAFANA = "/etc/grafana/provisioning"


class Revision:
    def __init__(self, proyecto: Path, compose: Path):
        self.proyecto = proyecto
        self.problemas: list[str] = []
        self.compose = yaml.safe_load(compose.read_text()) or {}
        self.servicios: dict = self.compose.get("services") or {}
        self.dockerfiles: dict[str, dict] = {}
        self.leidas_por_paquete: dict[str, set[str]] = {}

    def problema(self, texto: str) -> None:
        self.problemas.append(texto)

    # ---- the parts of a service ------------------------------------------------------

    def perfiles_de(self, nombre: str) -> list[str]:
        return list(self.servicios[nombre].get("profiles") or [])

    def dependencias(self, nombre: str) -> dict:
        return self.servicios[nombre].get("depends_on") or {}

    def dockerfile(self, nombre: str) -> dict | None:
        """The final stage of the service's Dockerfile, or None for an image-only service."""
        if nombre in self.dockerfiles:
            return self.dockerfiles[nombre]
        construccion = self.servicios[nombre].get("build")
        resultado = None
        if construccion is not None:
            if isinstance(construccion, str):
                construccion = {"context": construccion}
            contexto = self.ruta(construccion.get("context", "."))
            ruta = contexto / construccion.get("dockerfile", "Dockerfile")
            if not contexto.is_dir():
                self.problema(f"service {nombre}: build context {contexto} does not exist")
            elif not ruta.is_file():
                self.problema(f"service {nombre}: Dockerfile {ruta} does not exist")
            else:
                resultado = leer_dockerfile(ruta)
                if not resultado["paquetes"]:
                    self.problema(f"service {nombre}: {ruta.name} builds no package (`cargo build -p …`)")
        self.dockerfiles[nombre] = resultado
        return resultado

    def entorno(self, nombre: str) -> dict[str, str]:
        """What the container's process sees: Dockerfile ENV, then env_file, then environment."""
        servicio = self.servicios[nombre]
        variables: dict[str, str] = {}
        dockerfile = self.dockerfile(nombre)
        if dockerfile:
            variables.update(dockerfile["env"])
        for archivo in self.archivos_env(nombre):
            for candidato in (archivo, archivo.with_name(archivo.name + ".example")):
                if candidato.is_file():
                    variables.update(leer_env(candidato))
        entorno = servicio.get("environment") or {}
        if isinstance(entorno, list):
            entorno = dict(e.split("=", 1) if "=" in e else (e, "") for e in entorno)
        variables.update({k: "" if v is None else str(v) for k, v in entorno.items()})
        return variables

    def archivos_env(self, nombre: str) -> list[Path]:
        archivos = self.servicios[nombre].get("env_file") or []
        if isinstance(archivos, str):
            archivos = [archivos]
        return [self.ruta(a if isinstance(a, str) else a["path"]) for a in archivos]

    def montajes(self, nombre: str) -> list[tuple[str, str]]:
        """(source, target) of each volume entry of the service."""
        resultado = []
        for volumen in self.servicios[nombre].get("volumes") or []:
            if isinstance(volumen, dict):
                resultado.append((str(volumen.get("source", "")), str(volumen["target"])))
            else:
                partes = volumen.split(":")
                if len(partes) == 1:
                    resultado.append(("", partes[0]))
                else:
                    resultado.append((partes[0], partes[1]))
        return resultado

    def montajes_de_archivos(self, nombre: str) -> list[tuple[Path, str]]:
        return [(self.ruta(origen), destino) for origen, destino in self.montajes(nombre) if es_ruta(origen)]

    def en_el_anfitrion(self, nombre: str, ruta_contenedor: str) -> Path | None:
        """The host path a container path of the service is mounted from, if it is."""
        ruta = PurePosixPath(ruta_contenedor)
        for origen, destino in self.montajes_de_archivos(nombre):
            destino = PurePosixPath(destino)
            if ruta == destino or destino in ruta.parents:
                return origen.joinpath(*ruta.relative_to(destino).parts)
        return None

    def puertos_publicados(self, nombre: str) -> list[tuple[str | None, int]]:
        """(host port, container port) of `ports` and (None, port) of `expose`."""
        servicio = self.servicios[nombre]
        resultado = []
        for puerto in servicio.get("ports") or []:
            if isinstance(puerto, dict):
                resultado.append((str(puerto.get("published")), int(puerto["target"])))
                continue
            partes = str(puerto).split("/")[0].split(":")
            resultado.append((partes[-2] if len(partes) > 1 else None, int(partes[-1])))
        for puerto in servicio.get("expose") or []:
            resultado.append((None, int(str(puerto).split("/")[0])))
        return resultado

    def puertos_por_entorno(self, nombre: str) -> set[int]:
        """Ports set by variables the binaries read (`…_PORT`); 0 means any port."""
        leidas = self.variables_leidas(nombre)
        puertos = set()
        for variable, valor in self.entorno(nombre).items():
            if variable.endswith("_PORT") and variable in leidas and valor.strip().isdigit():
                if int(valor) != 0:
                    puertos.add(int(valor))
        return puertos

    def puertos_escuchados(self, nombre: str) -> set[int]:
        puertos = {contenedor for _, contenedor in self.puertos_publicados(nombre)}
        dockerfile = self.dockerfile(nombre)
        if dockerfile:
            puertos |= dockerfile["expose"] | self.puertos_por_entorno(nombre)
        return puertos

    def tiene_chequeo_de_salud(self, nombre: str) -> bool:
        chequeo = self.servicios[nombre].get("healthcheck")
        if chequeo is not None:
            return not chequeo.get("disable", False) and chequeo.get("test") not in (None, ["NONE"], "NONE")
        dockerfile = self.dockerfile(nombre)
        return bool(dockerfile and dockerfile["healthcheck"])

    def variables_leidas(self, nombre: str) -> set[str]:
        dockerfile = self.dockerfile(nombre)
        if not dockerfile:
            return set()
        leidas = set()
        for paquete in dockerfile["paquetes"]:
            if paquete not in self.leidas_por_paquete:
                self.leidas_por_paquete[paquete] = variables_de_paquete(self.proyecto, paquete)
            leidas |= self.leidas_por_paquete[paquete]
        return leidas

    def ruta(self, texto: str) -> Path:
        ruta = Path(texto).expanduser()
        return ruta if ruta.is_absolute() else (self.proyecto / ruta)

    def servicio_de_imagen(self, prefijo: str) -> str | None:
        for nombre, servicio in self.servicios.items():
            if str(servicio.get("image", "")).startswith(prefijo):
                return nombre
        return None

    # ---- the checks ------------------------------------------------------------------

    def revisar(self) -> list[str]:
        if "version" in self.compose:
            self.problema(
                "top-level `version:` key: docker-compose 1.29 then reads a 2.x/3.x format, "
                "and 3.x rejects `depends_on` conditions; leave it out (Compose Specification)"
            )
        if not self.servicios:
            self.problema("no services")
            return self.problemas
        self.revisar_perfiles()
        for nombre in self.servicios:
            self.revisar_servicio(nombre)
        self.revisar_volumenes()
        self.revisar_puertos_del_anfitrion()
        self.revisar_prometheus()
        self.revisar_grafana()
        return self.problemas

    def revisar_perfiles(self) -> None:
        usados = set()
        for nombre in self.servicios:
            perfiles = self.perfiles_de(nombre)
            if not perfiles:
                self.problema(f"service {nombre} has no profile: it would start with every profile")
            usados |= set(perfiles)
        for perfil in sorted(usados - PERFILES.keys()):
            self.problema(f"profile {perfil} is unknown to the checker: add it to PERFILES (and to the README)")
        for perfil, esperados in PERFILES.items():
            activos = {n for n in self.servicios if perfil in self.perfiles_de(n)}
            if not activos:
                self.problema(f"profile {perfil} is empty: it starts no service (expected {sorted(esperados)})")
                continue
            if activos != esperados:
                self.problema(f"profile {perfil} starts {sorted(activos)}, expected {sorted(esperados)}")
            for nombre in sorted(activos):
                for dependencia in self.dependencias(nombre):
                    if dependencia in self.servicios and dependencia not in activos:
                        self.problema(
                            f"profile {perfil}: {nombre} depends on {dependencia}, which the profile does not start"
                        )

    def revisar_servicio(self, nombre: str) -> None:
        servicio = self.servicios[nombre]
        reinicio = str(servicio.get("restart", ""))
        if reinicio.split(":")[0] not in REINICIOS:
            self.problema(
                f"service {nombre}: no restart policy (`restart: unless-stopped`): it stays down after a crash or a slow dependency"
            )
        # A one-shot job (it runs to completion and is retried only when it fails) has no
        # health to report; nothing may wait for it to be healthy.
        trabajo = reinicio == "on-failure"
        if trabajo:
            for otro in self.servicios:
                if nombre in self.dependencias(otro):
                    self.problema(f"service {otro}: depends on {nombre}, a one-shot job")
        elif not self.tiene_chequeo_de_salud(nombre):
            self.problema(f"service {nombre}: no healthcheck (in docker-compose.yml or its Dockerfile)")

        dependencias = servicio.get("depends_on") or {}
        if isinstance(dependencias, list):
            for dependencia in dependencias:
                self.problema(
                    f"service {nombre}: depends_on {dependencia} without `condition: service_healthy` (it starts before {dependencia} is ready)"
                )
        else:
            for dependencia, opciones in dependencias.items():
                if dependencia not in self.servicios:
                    self.problema(f"service {nombre}: depends_on {dependencia}, which is not a service")
                    continue
                condicion = (opciones or {}).get("condition")
                if condicion != "service_healthy":
                    self.problema(
                        f"service {nombre}: depends_on {dependencia} with condition {condicion!r}, not service_healthy"
                    )
                elif not self.tiene_chequeo_de_salud(dependencia):
                    self.problema(
                        f"service {nombre}: depends_on {dependencia} being healthy, but {dependencia} has no healthcheck"
                    )

        dockerfile = self.dockerfile(nombre)
        imagen = str(servicio.get("image", ""))
        if "build" not in servicio:
            etiqueta = imagen.rsplit("/", 1)[-1].partition(":")[2]
            if not imagen:
                self.problema(f"service {nombre}: neither image nor build")
            elif etiqueta in ("", "latest"):
                self.problema(f"service {nombre}: image {imagen} is not pinned to a version")
        elif dockerfile:
            self.revisar_servicio_construido(nombre, dockerfile)

        for origen, destino in self.montajes_de_archivos(nombre):
            if not origen.exists():
                self.problema(f"service {nombre}: mounts {origen} at {destino}, which does not exist")
        for variable, valor in self.entorno(nombre).items():
            if valor.startswith("/"):
                anfitrion = self.en_el_anfitrion(nombre, valor)
                if anfitrion is not None and not anfitrion.exists():
                    self.problema(
                        f"service {nombre}: {variable}={valor} is in a mounted directory, but {anfitrion} does not exist"
                    )
        for archivo in self.archivos_env(nombre):
            self.revisar_archivo_env(nombre, archivo)

    def revisar_servicio_construido(self, nombre: str, dockerfile: dict) -> None:
        if not self.servicios[nombre].get("image"):
            self.problema(f"service {nombre}: built without an `image:` name")
        leidas = self.variables_leidas(nombre)
        paquetes = ", ".join(sorted(dockerfile["paquetes"]))
        for variable in sorted(self.entorno(nombre)):
            if variable not in leidas:
                self.problema(
                    f"service {nombre}: variable {variable} is read by none of its binaries (package {paquetes})"
                )
        esperados = {c for _, c in self.puertos_publicados(nombre)} | self.puertos_por_entorno(nombre)
        if esperados != dockerfile["expose"]:
            self.problema(
                f"service {nombre}: its Dockerfile EXPOSEs {sorted(dockerfile['expose'])}, "
                f"but it listens on {sorted(esperados)} (ports and …_PORT variables)"
            )

    def revisar_archivo_env(self, nombre: str, archivo: Path) -> None:
        ejemplo = archivo.with_name(archivo.name + ".example")
        if not ejemplo.is_file():
            self.problema(
                f"service {nombre}: env_file {archivo.name} has no committed example {ejemplo.name} naming its variables"
            )
        relativo = archivo.relative_to(self.proyecto) if archivo.is_relative_to(self.proyecto) else None
        if relativo is None or not ignorado(self.proyecto / ".gitignore", relativo):
            self.problema(f"service {nombre}: env_file {archivo} holds secrets but is not in .gitignore")
        # `COPY . .` would put the secrets in the build stage of every image built there.
        for contexto in sorted(self.contextos()):
            if archivo.is_relative_to(contexto) and not ignorado(
                contexto / ".dockerignore", archivo.relative_to(contexto)
            ):
                self.problema(
                    f"service {nombre}: env_file {archivo} is in the build context {contexto} but not in its .dockerignore"
                )

    def contextos(self) -> set[Path]:
        contextos = set()
        for servicio in self.servicios.values():
            construccion = servicio.get("build")
            if construccion is not None:
                contexto = construccion if isinstance(construccion, str) else construccion.get("context", ".")
                contextos.add(self.ruta(contexto).resolve())
        return contextos

    def revisar_volumenes(self) -> None:
        declarados = set((self.compose.get("volumes") or {}).keys())
        usados = set()
        for nombre in self.servicios:
            for origen, destino in self.montajes(nombre):
                if origen and not es_ruta(origen):
                    usados.add(origen)
                    if origen not in declarados:
                        self.problema(f"service {nombre}: volume {origen} (at {destino}) is not declared under `volumes:`")
        for volumen in sorted(declarados - usados):
            self.problema(f"volume {volumen} is declared but no service uses it")

    def revisar_puertos_del_anfitrion(self) -> None:
        duenos: dict[str, str] = {}
        for nombre in self.servicios:
            for anfitrion, _ in self.puertos_publicados(nombre):
                if anfitrion is None:
                    continue
                if anfitrion in duenos:
                    self.problema(f"host port {anfitrion} is published by both {duenos[anfitrion]} and {nombre}")
                duenos[anfitrion] = nombre

    def revisar_destino(self, origen: str, anfitrion: str, puerto: int, yo: str) -> None:
        servicio = yo if anfitrion == "localhost" else anfitrion
        if servicio not in self.servicios:
            self.problema(f"{origen}: {anfitrion}:{puerto} is not a service of the compose file")
        elif puerto not in self.puertos_escuchados(servicio):
            self.problema(
                f"{origen}: {anfitrion}:{puerto}, but {servicio} listens on {sorted(self.puertos_escuchados(servicio))}"
            )

    def revisar_prometheus(self) -> None:
        nombre = self.servicio_de_imagen("prom/prometheus")
        if nombre is None:
            self.problema("no prometheus service (image prom/prometheus)")
            return
        ruta_contenedor = CONFIGURACION_PROMETHEUS
        for argumento in self.servicios[nombre].get("command") or []:
            if argumento.startswith("--config.file="):
                ruta_contenedor = argumento.split("=", 1)[1]
        ruta = self.en_el_anfitrion(nombre, ruta_contenedor)
        if ruta is None:
            self.problema(f"service {nombre}: nothing of the repository is mounted at {ruta_contenedor}")
            return
        if not ruta.is_file():
            return  # reported with the mounts
        configuracion = yaml.safe_load(ruta.read_text()) or {}
        raspados = set()
        for trabajo in configuracion.get("scrape_configs") or []:
            origen = f"{ruta.name} job {trabajo.get('job_name')}"
            destinos = []
            for estaticos in trabajo.get("static_configs") or []:
                for destino in estaticos.get("targets") or []:
                    anfitrion, _, puerto = destino.rpartition(":")
                    destinos.append((anfitrion, int(puerto)))
            for dns in trabajo.get("dns_sd_configs") or []:
                if dns.get("type", "SRV") != "A":
                    self.problema(f"{origen}: dns_sd_configs of type {dns.get('type', 'SRV')}: compose names resolve to A records")
                for anfitrion in dns.get("names") or []:
                    destinos.append((anfitrion, int(dns.get("port", 0))))
            for anfitrion, puerto in destinos:
                self.revisar_destino(origen, anfitrion, puerto, nombre)
                raspados.add(nombre if anfitrion == "localhost" else anfitrion)
            ruta_metricas = trabajo.get("metrics_path", "/metrics")
            if ruta_metricas.rstrip("/") != "/metrics":
                self.problema(f"{origen}: metrics_path {ruta_metricas}, every service serves /metrics")
        for servicio in sorted(RASPADOS - raspados):
            self.problema(f"{ruta.name}: Prometheus does not scrape {servicio}")

    def revisar_grafana(self) -> None:
        nombre = self.servicio_de_imagen("grafana/grafana")
        if nombre is None:
            self.problema("no grafana service (image grafana/grafana)")
            return
        provision = self.en_el_anfitrion(nombre, PROVISION_GRAFANA)
        if provision is None or not provision.is_dir():
            self.problema(f"service {nombre}: no provisioning directory mounted at {PROVISION_GRAFANA}")
            return
        uids = set()
        for archivo in sorted((provision / "datasources").glob("*.y*ml")):
            for fuente in (yaml.safe_load(archivo.read_text()) or {}).get("datasources") or []:
                uids.add(fuente.get("uid"))
                if fuente.get("type") == "prometheus":
                    url = re.fullmatch(r"https?://([^:/]+):(\d+)/?", str(fuente.get("url", "")))
                    if url is None:
                        self.problema(f"{archivo.name}: datasource url {fuente.get('url')} is not http://service:port")
                    else:
                        self.revisar_destino(f"{archivo.name}", url[1], int(url[2]), nombre)
        if not uids:
            self.problema(f"{provision}/datasources provisions no datasource")
        tableros = []
        for archivo in sorted((provision / "dashboards").glob("*.y*ml")):
            for proveedor in (yaml.safe_load(archivo.read_text()) or {}).get("providers") or []:
                ruta_contenedor = (proveedor.get("options") or {}).get("path", "")
                directorio = self.en_el_anfitrion(nombre, ruta_contenedor)
                if directorio is None or not directorio.is_dir():
                    self.problema(f"{archivo.name}: dashboards path {ruta_contenedor} is not a mounted directory of the repository")
                    continue
                tableros += sorted(directorio.glob("*.json"))
        if not tableros:
            self.problema(f"service {nombre}: no dashboard is provisioned")
        usadas = set()
        for tablero in tableros:
            usadas |= self.revisar_tablero(tablero, uids)
        for metrica in sorted(METRICAS.keys() - usadas):
            self.problema(f"no dashboard panel shows {metrica}")

    def revisar_tablero(self, ruta: Path, uids: set) -> set[str]:
        try:
            tablero = json.loads(ruta.read_text())
        except json.JSONDecodeError as error:
            self.problema(f"{ruta.name} is not JSON: {error}")
            return set()
        usadas = set()
        for panel in paneles(tablero.get("panels") or []):
            titulo = f"{ruta.name} panel {panel.get('title')!r}"
            objetivos = panel.get("targets") or []
            if panel.get("type") != "row" and not objetivos:
                self.problema(f"{titulo}: no query")
            for objetivo in objetivos:
                fuente = objetivo.get("datasource") or panel.get("datasource") or {}
                if isinstance(fuente, dict) and fuente.get("uid") not in uids:
                    self.problema(f"{titulo}: datasource {fuente.get('uid')!r} is not provisioned ({sorted(uids)})")
                usadas |= self.revisar_expresion(titulo, objetivo.get("expr", ""), objetivo.get("legendFormat", ""))
        return usadas

    def revisar_expresion(self, titulo: str, expresion: str, leyenda: str) -> set[str]:
        if not expresion.strip():
            self.problema(f"{titulo}: empty query")
            return set()
        usadas, etiquetas = set(), set(ETIQUETAS_COMUNES)
        for nombre in re.findall(r"\b((?:aeroalpes|pulsar)_[a-zA-Z0-9_]*)", expresion):
            base, sufijo = nombre, ""
            for candidato in SUFIJOS_HISTOGRAMA:
                if nombre.endswith(candidato) and METRICAS.get(nombre[: -len(candidato)], ("",))[0] == "histogram":
                    base, sufijo = nombre[: -len(candidato)], candidato
            if base not in METRICAS:
                self.problema(f"{titulo}: {nombre} is not a metric of the contract")
                continue
            tipo, propias = METRICAS[base]
            if tipo == "histogram" and not sufijo:
                self.problema(f"{titulo}: {nombre} is a histogram: query {nombre}_bucket, _sum or _count")
            usadas.add(base)
            etiquetas |= propias
            if sufijo == "_bucket":
                etiquetas.add("le")
            if base.startswith("pulsar_"):
                etiquetas |= ETIQUETAS_PULSAR
        if not usadas:
            self.problema(f"{titulo}: the query {expresion!r} uses no metric of the contract")
        nombradas = set()
        for grupo in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expresion):
            nombradas |= {e.strip() for e in grupo.split(",") if e.strip()}
        nombradas |= set(re.findall(r"[{,]\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", expresion))
        nombradas |= set(re.findall(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", leyenda))
        for etiqueta in sorted(nombradas - etiquetas):
            self.problema(f"{titulo}: label {etiqueta} belongs to none of {sorted(usadas)}")
        return usadas


def paneles(lista: list) -> list:
    """Every panel, rows' nested panels included."""
    resultado = []
    for panel in lista:
        resultado.append(panel)
        resultado += paneles(panel.get("panels") or [])
    return resultado


def es_ruta(origen: str) -> bool:
    return origen.startswith((".", "/", "~"))


def lineas_logicas(texto: str) -> list[str]:
    """A Dockerfile's instructions: continuation lines joined, comments dropped."""
    instrucciones, actual = [], ""
    for linea in texto.splitlines():
        if not actual and linea.lstrip().startswith("#"):
            continue
        if linea.rstrip().endswith("\\"):
            actual += linea.rstrip()[:-1] + " "
            continue
        actual += linea
        if actual.strip():
            instrucciones.append(actual.strip())
        actual = ""
    if actual.strip():
        instrucciones.append(actual.strip())
    return instrucciones


def leer_dockerfile(ruta: Path) -> dict:
    """ENV, EXPOSE and HEALTHCHECK of the final stage; the packages `cargo build -p` builds."""
    final = {"env": {}, "expose": set(), "healthcheck": False, "paquetes": set()}
    paquetes = set()
    for instruccion in lineas_logicas(ruta.read_text()):
        palabra, _, resto = instruccion.partition(" ")
        palabra = palabra.upper()
        if palabra == "FROM":
            final = {"env": {}, "expose": set(), "healthcheck": False, "paquetes": set()}
        elif palabra == "ENV":
            partes = shlex.split(resto)
            if partes and "=" not in partes[0]:
                final["env"][partes[0]] = " ".join(partes[1:])
            else:
                final["env"].update(p.split("=", 1) for p in partes)
        elif palabra == "EXPOSE":
            final["expose"] |= {int(p.split("/")[0]) for p in resto.split()}
        elif palabra == "HEALTHCHECK":
            final["healthcheck"] = resto.strip().upper() != "NONE"
        elif palabra == "RUN":
            for orden in re.findall(r"cargo\s+build\b[^&;|]*", resto):
                paquetes |= set(re.findall(r"(?:-p|--package)[\s=]+([A-Za-z0-9_-]+)", orden))
    final["paquetes"] = paquetes
    return final


def leer_env(ruta: Path) -> dict[str, str]:
    variables = {}
    for linea in ruta.read_text().splitlines():
        linea = linea.strip()
        if linea and not linea.startswith("#"):
            clave, _, valor = linea.partition("=")
            variables[clave.strip()] = valor
    return variables


def ignorado(lista: Path, relativo: Path) -> bool:
    """Whether the ignore file `lista` (.gitignore, .dockerignore) names `relativo` itself."""
    if not lista.is_file():
        return False
    patrones = {l.strip() for l in lista.read_text().splitlines() if l.strip() and not l.startswith("#")}
    texto = relativo.as_posix()
    return texto in patrones or f"/{texto}" in patrones or (len(relativo.parts) == 1 and relativo.name in patrones)


def paquetes_del_workspace(proyecto: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Package name -> directory for every member, and the workspace's path dependencies."""
    raiz = tomllib.loads((proyecto / "Cargo.toml").read_text())
    directorios = {}
    for miembro in raiz["workspace"]["members"]:
        directorio = (proyecto / miembro).resolve()
        manifiesto = tomllib.loads((directorio / "Cargo.toml").read_text())
        directorios[manifiesto["package"]["name"]] = directorio
    rutas = {
        nombre: (proyecto / especificacion["path"]).resolve()
        for nombre, especificacion in raiz["workspace"].get("dependencies", {}).items()
        if isinstance(especificacion, dict) and "path" in especificacion
    }
    return directorios, rutas


def crates_enlazados(proyecto: Path, paquete: str) -> list[Path]:
    """The directories of `paquete` and of every workspace crate it links (normal deps)."""
    directorios, rutas = paquetes_del_workspace(proyecto)
    if paquete not in directorios:
        raise SystemExit(f"package {paquete} is not a member of the workspace")
    pendientes, vistos = [directorios[paquete]], set()
    while pendientes:
        directorio = pendientes.pop()
        if directorio in vistos:
            continue
        vistos.add(directorio)
        manifiesto = tomllib.loads((directorio / "Cargo.toml").read_text())
        for nombre, especificacion in (manifiesto.get("dependencies") or {}).items():
            if not isinstance(especificacion, dict):
                continue
            if especificacion.get("workspace"):
                destino = rutas.get(especificacion.get("package", nombre))
            elif "path" in especificacion:
                destino = (directorio / especificacion["path"]).resolve()
            else:
                destino = None
            if destino is not None:
                pendientes.append(destino)
    return sorted(vistos)


# How the binaries name the variables they read: a literal passed to a function
# (`std::env::var("X")`, `variable("X")`, `puerto_de("X", …)`), clap's `env = "X"`, or a
# `&str` constant; tracing's env-filter reads RUST_LOG. Every name has an underscore, which
# keeps out IATA codes and HTTP methods.
NOMBRE = r"\"([A-Z][A-Z0-9]*_[A-Z0-9_]+)\""
LECTURAS = [
    re.compile(r"\w\s*\(\s*" + NOMBRE),
    re.compile(r"\benv\s*=\s*" + NOMBRE),
    re.compile(r"\bconst\s+\w+\s*:\s*&(?:'static\s+)?str\s*=\s*" + NOMBRE),
]


def variables_de_paquete(proyecto: Path, paquete: str) -> set[str]:
    variables = set()
    for directorio in crates_enlazados(proyecto, paquete):
        for fuente in (directorio / "src").rglob("*.rs"):
            texto = sin_pruebas(fuente.read_text())
            for patron in LECTURAS:
                variables |= set(patron.findall(texto))
            if "from_default_env" in texto:
                variables.add("RUST_LOG")
    return variables


def sin_pruebas(texto: str) -> str:
    """The source without its `#[cfg(test)] mod …` (by convention the end of the file)."""
    corte = re.search(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s", texto)
    return texto[: corte.start()] if corte else texto


def main() -> int:
    raiz = Path(__file__).resolve().parents[3]
    argumentos = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    argumentos.add_argument("--proyecto", type=Path, default=raiz)
    argumentos.add_argument("compose", type=Path, nargs="?")
    leidos = argumentos.parse_args()
    proyecto = leidos.proyecto.resolve()
    compose = (leidos.compose or proyecto / "docker-compose.yml").resolve()
    revision = Revision(proyecto, compose)
    problemas = revision.revisar()
    for problema in problemas:
        print(f"problem: {problema}")
    if problemas:
        print(f"{compose}: {len(problemas)} problem(s)", file=sys.stderr)
        return 1
    print(f"{compose}: {len(revision.servicios)} services in {len(PERFILES)} profiles, no problem")
    return 0


if __name__ == "__main__":
    sys.exit(main())

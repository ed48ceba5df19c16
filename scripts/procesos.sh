# shellcheck shell=bash
# Sourced by run.sh and escalado.sh: runs services as child processes with their logs
# prefixed, waits until each answers, and stops them all, the last started first, on
# Ctrl-C, SIGTERM or SIGHUP (exiting 130, 143, 129), or when one fails (then it prints that
# one's last log lines and exits 1). Messages name the sourcing script. Before
# `iniciar_servicios`, the sourcing script sets `plazo`: the seconds every service together
# may take to be ready.

programa="${0##*/}"

# The cargo target directory: CARGO_TARGET_DIR, default the repository's `target`. A
# relative CARGO_TARGET_DIR is relative to where the script was started, as for cargo: the
# scripts source this file before they change to the repository's root.
directorio_target="${CARGO_TARGET_DIR:-target}"
if [ -n "${CARGO_TARGET_DIR:-}" ] && [ "${directorio_target#/}" = "$directorio_target" ]; then
	directorio_target="$PWD/$directorio_target"
fi

fail() {
	echo "$programa: $*" >&2
	exit 1
}

# Whether something accepts connections on 127.0.0.1:port.
escucha() { # port
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Fails when something already listens on the port (variable, default port).
check_port() { # variable, port, service
	local variable=$1 value=$2 service=$3
	[[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -le 65535 ] ||
		fail "$variable=$value is not a port"
	[ "$value" != 0 ] ||
		fail "$variable=0: $programa needs a fixed port for $service, to wait for it; set $variable to a free port"
	if escucha "$value"; then
		fail "port $value ($service) is already in use; stop what listens on it or set $variable to a free port"
	fi
}

names=()
pids=()

# Stops the services one by one, the last started first, so that each still finds the
# ones it depends on (a broker, a database) while it stops.
detener_servicios() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null || true
		wait "${pids[$i]}" 2>/dev/null || true
	done
}

# Stops every service; then runs `al_terminar` if the sourcing script defines it (to stop
# what it started otherwise, such as a database server).
stop() {
	trap - INT TERM HUP EXIT
	detener_servicios
	if declare -F al_terminar >/dev/null; then
		al_terminar || true
	fi
	rm -rf "$logs"
}

# Makes the directory of the logs and installs the traps; call it before the first service.
iniciar_servicios() {
	logs=$(mktemp -d)
	trap 'stop; exit 130' INT
	trap 'stop; exit 143' TERM
	trap 'stop; exit 129' HUP
	trap stop EXIT
	deadline=$((SECONDS + ${plazo:?the sourcing script sets plazo}))
}

prefixed() { # name, command...
	local name=$1
	shift
	# Each service in a session of its own: the terminal's Ctrl-C (and hang-up) reaches this
	# shell alone, whose trap stops the services one by one, so that a broker or a database
	# stops after the services that use it instead of with them. (Not a process group
	# leader, setsid execs the command in place: $! is the service's pid.) The log pipe
	# ignores Ctrl-C, to show the services' shutdown; it ends with them.
	setsid "$@" > >(
		trap '' INT
		tee -a "$logs/$name.log" | sed -u "s/^/[$name] /"
	) 2>&1 &
	names+=("$name")
	pids+=($!)
}

# Stops the others, prints the service's last log lines and exits non-zero.
failed() { # name, why
	local name=$1 why=$2 log="$logs/$1.log"
	detener_servicios
	sleep 0.2 # the log pipes drain
	{
		echo
		echo "$programa: $name $why; stopped the others. Its last 20 log lines:"
		tail -n 20 "$log" 2>/dev/null | sed "s/^/  [$name] /"
	} >&2
	exit 1
}

# The name of the first service that is no longer running, if any.
exited() {
	local i
	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "${names[$i]}"
			return 0
		fi
	done
	return 1
}

# Waits until `check` succeeds; fails naming `service` when one exits or time runs out.
wait_for() { # service, what it must answer, check command...
	local service=$1 what=$2
	shift 2
	until "$@"; do
		if name=$(exited); then
			failed "$name" "exited before AeroAlpes was up"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			failed "$service" "did not answer $what within ${plazo}s"
		fi
		sleep 0.2
	done
}
answers() { curl -sf --max-time 2 "$1" >/dev/null; }

# Runs until Ctrl-C (the traps stop everything) or until a service exits on its own.
esperar_servicios() {
	local status=0 name
	wait -n "${pids[@]}" || status=$?
	name=$(exited) || name="a service"
	failed "$name" "exited (status $status)"
}

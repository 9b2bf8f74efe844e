#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one combined broker+controller node on 127.0.0.1) for
# metron's tests and CI, run from the Maven Central jars that ci/kafka/pom.xml lists.
#
#   scripts/kafka-broker.sh start [--port P] [--state FILE] [--watch-pid PID]
#   scripts/kafka-broker.sh stop [--state FILE]
#   scripts/kafka-broker.sh status [--state FILE]
#
# start  fetches the jars once into the cache (default .cache/kafka/, reused while
#        ci/kafka/pom.xml is unchanged), writes a server.properties, formats a fresh temp log
#        dir, starts the broker in the background and waits until it answers a Metadata
#        request, then prints KAFKA_BOOTSTRAP=127.0.0.1:PORT.  Without --port it takes the
#        first free pair of ports (broker P, controller P+1) from $METRON_KAFKA_PORT (19092).
#        --watch-pid PID stops the broker when process PID ends (a crashed test run).
#        Starting when the state file names a live broker just prints its bootstrap.
# stop   SIGTERM, then SIGKILL after $METRON_KAFKA_STOP_TIMEOUT seconds (20); removes the
#        temp dir and the state file.  Stopping nothing is not an error.
# status prints the state and exits 0 when the broker runs, 3 when it does not.
#
# Environment: METRON_KAFKA_CACHE (jar cache dir), METRON_KAFKA_PORT (first port tried),
# METRON_KAFKA_HEAP (JVM heap options, default "-Xms256m -Xmx512m"), METRON_KAFKA_MVN_ARGS
# (extra mvn arguments, e.g. "-s mirror-settings.xml"), PYTHON (python3).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$REPO/ci/kafka/pom.xml"
LOG4J="$REPO/ci/kafka/log4j2.yaml"
CACHE="${METRON_KAFKA_CACHE:-$REPO/.cache/kafka}"
LIBS="$CACHE/libs"
PYTHON="${PYTHON:-python3}"
HEAP="${METRON_KAFKA_HEAP:--Xms256m -Xmx512m}"
START_TIMEOUT="${METRON_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${METRON_KAFKA_STOP_TIMEOUT:-20}"

die() { echo "kafka-broker: $*" >&2; exit 1; }
say() { echo "kafka-broker: $*" >&2; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

command_name="${1:-}"
[ -n "$command_name" ] || usage
shift
PORT=""
STATE="$CACHE/broker.state"
WATCH_PID=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || die "--port needs a value"; PORT="$2"; shift 2 ;;
    --state) [ $# -ge 2 ] || die "--state needs a value"; STATE="$2"; shift 2 ;;
    --watch-pid) [ $# -ge 2 ] || die "--watch-pid needs a value"; WATCH_PID="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown option: $1 (see $0 --help)" ;;
  esac
done

# ------------------------------------------------------------------------------ helpers

# The broker's pid from the state file, if that process is alive and is a Kafka broker
# (a pid the kernel gave to some other process since is not ours to kill).
live_pid() {
  [ -f "$STATE" ] || return 1
  local pid
  pid="$(sed -n 's/^KAFKA_PID=//p' "$STATE")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

state_value() { [ -f "$STATE" ] && sed -n "s/^$1=//p" "$STATE"; return 0; }

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: the Kafka broker needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  case "$major" in
    1.*|[0-9]|1[0-6]) die "java $major found: the Kafka broker needs Java 17+" ;;
  esac
}

# Copy the broker's jars into $LIBS unless they are there for this very pom.xml.
fetch_jars() {
  local want have
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  have="$(cat "$LIBS/.pom.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found: it fetches the Kafka jars from Maven Central (apt-get install maven)"
  mkdir -p "$CACHE"
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  say "fetching the Kafka jars of $POM into $LIBS ..."
  # shellcheck disable=SC2086  # METRON_KAFKA_MVN_ARGS: extra words, e.g. "-s settings.xml"
  if ! mvn -B -q ${METRON_KAFKA_MVN_ARGS:-} -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$CACHE/mvn.log" 2>&1; then
    tail -n 30 "$CACHE/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "downloading the Kafka jars failed (is Maven Central reachable?); full log: $CACHE/mvn.log"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar after the download: $tmp"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS.old.$$"
  [ -d "$LIBS" ] && mv "$LIBS" "$LIBS.old.$$"
  # Another start may have fetched at the same time: either copy is complete.
  mv -T "$tmp" "$LIBS" 2>/dev/null || rm -rf "$tmp"
  rm -rf "$LIBS.old.$$"
}

port_free() {  # port_free P: nothing listens on 127.0.0.1:P and it can be bound
  "$PYTHON" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM does: TIME_WAIT is free
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# Answers a Kafka Metadata request (v4, which Kafka 4.x still serves) with at least one
# broker: exits 0 then, 1 otherwise.
metadata_ok() {
  "$PYTHON" - "$1" <<'EOF'
import socket, struct, sys
client = b"metron-kafka-broker.sh"
body = struct.pack(">hhih", 3, 4, 7, len(client)) + client + struct.pack(">i?", -1, False)
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
        s.settimeout(5)
        s.sendall(struct.pack(">i", len(body)) + body)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit(1)
            data += chunk
except OSError:
    sys.exit(1)
correlation, _throttle, brokers = struct.unpack(">iii", data[4:16])
sys.exit(0 if correlation == 7 and brokers >= 1 else 1)
EOF
}

# ------------------------------------------------------------------------------ commands

do_stop() {
  local pid dir
  dir="$(state_value KAFKA_DIR)"
  if pid="$(live_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((STOP_TIMEOUT * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "broker $pid ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    say "stopped broker $pid"
  else
    say "no broker running (state: $STATE)"
  fi
  local watcher
  watcher="$(state_value KAFKA_WATCHER)"
  if [ -n "$watcher" ] && [ "$watcher" != "$$" ] && [ "$watcher" != "$PPID" ]; then
    kill -TERM "$watcher" 2>/dev/null || true
  fi
  case "$dir" in
    */metron-kafka.*) rm -rf "$dir" ;;
  esac
  rm -f "$STATE"
}

do_status() {
  local pid
  if pid="$(live_pid)"; then
    echo "running: pid $pid, KAFKA_BOOTSTRAP=$(state_value KAFKA_BOOTSTRAP), dir $(state_value KAFKA_DIR)"
    return 0
  fi
  echo "not running"
  return 3
}

do_start() {
  local pid
  if pid="$(live_pid)"; then
    say "already running (pid $pid)"
    echo "KAFKA_BOOTSTRAP=$(state_value KAFKA_BOOTSTRAP)"
    return 0
  fi
  [ -f "$STATE" ] && do_stop 2>/dev/null  # a stale state file: clean up after it
  need_java
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (used to check the broker's ports)"
  fetch_jars

  local port
  if [ -n "$PORT" ]; then
    port="$PORT"
    port_free "$port" || die "port $port is in use"
    port_free $((port + 1)) || die "controller port $((port + 1)) is in use"
  else
    port="${METRON_KAFKA_PORT:-19092}"
    local tries=0
    until port_free "$port" && port_free $((port + 1)); do
      port=$((port + 2)); tries=$((tries + 1))
      [ "$tries" -lt 200 ] || die "no free pair of ports from ${METRON_KAFKA_PORT:-19092}"
    done
  fi
  local controller=$((port + 1))

  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/metron-kafka.XXXXXX")"
  mkdir -p "$dir/data" "$(dirname "$STATE")"
  cat >"$dir/server.properties" <<EOF
# Written by scripts/kafka-broker.sh: one combined broker+controller for tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# KIP-848 groups (group.protocol=consumer): the broker sets the heartbeat interval, 5 s by
# default, and a rebalance takes a heartbeat or two; tests want it fast.
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=500
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
auto.create.topics.enable=true
log.cleaner.dedupe.buffer.size=16777216
EOF
  local cluster_id
  # base64 of a random UUID, never starting with '-' (the tool would take it for an
  # option, as Kafka's own Uuid.randomUuid avoids too)
  cluster_id="$("$PYTHON" -c '
import base64, uuid
text = "-"
while text.startswith("-"):
    text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
print(text)')"
  local jvm=(java $HEAP -XX:+UseG1GC -Djava.awt.headless=true
             "-Dlog4j2.configurationFile=$LOG4J" "-Dkafka.logs.dir=$dir"
             -cp "$LIBS/*")
  if ! "${jvm[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
    cat "$dir/format.log" >&2
    rm -rf "$dir"
    die "formatting the log dir failed"
  fi

  "${jvm[@]}" kafka.Kafka "$dir/server.properties" </dev/null >"$dir/broker.out" 2>&1 &
  pid=$!
  {
    echo "KAFKA_PID=$pid"
    echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
    echo "KAFKA_DIR=$dir"
  } >"$STATE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until metadata_ok "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$dir/broker.out" "$dir/server.log" >&2 2>/dev/null || true
      do_stop 2>/dev/null
      die "the broker exited while starting (logs above)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$dir/broker.out" "$dir/server.log" >&2 2>/dev/null || true
      do_stop 2>/dev/null
      die "the broker did not answer on 127.0.0.1:$port within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done

  if [ -n "$WATCH_PID" ]; then
    # Stop the broker when WATCH_PID ends, even if nobody calls stop (a killed test run).
    local self="$REPO/scripts/kafka-broker.sh"
    METRON_KAFKA_CACHE="$CACHE" setsid bash -c '
      while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
      kill -0 "$2" 2>/dev/null && exec "$3" stop --state "$4"
    ' kafka-broker-watch "$WATCH_PID" "$pid" "$self" "$STATE" </dev/null >/dev/null 2>&1 &
    echo "KAFKA_WATCHER=$!" >>"$STATE"
  fi
  echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
}

case "$command_name" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  -h|--help|help) usage ;;
  *) die "unknown command: $command_name (start, stop or status)" ;;
esac

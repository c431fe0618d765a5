#!/usr/bin/env bash
# Serve the atlas from several Streamlit processes behind nginx, on this machine (127.0.0.1).
#
# Usage:
#   bash scripts/serve_replicas.sh start [--replicas 2] [--port 8700] [--first-port 8701] [--no-warm]
#   bash scripts/serve_replicas.sh stop
#   bash scripts/serve_replicas.sh run  [same options]   # start, wait for Ctrl-C, stop
#
# start: runs N replicas of `streamlit run app.py` on first-port, first-port+1, ... (one
# cookie secret shared by all), waits until each answers /_stcore/health, warms each one's
# caches with one visit to every view of the load test's list (scripts/loadtest.py --warm:
# the default map, drilled areas, other levels and every page, so no visitor pays a page's
# first imports), then starts nginx with
# deploy/nginx.conf (sticky by cookie) on --port. Everything it starts is recorded in the
# run folder (HGA_RUN_DIR, default artifacts/replicas): pids (the replicas, then nginx),
# logs, and nginx's own files. stop ends exactly those processes, by id.
# HGA_NGINX_CONF names another config to use in place of deploy/nginx.conf (same ports to
# replace; the tests use it to run a copy with a short websocket idle timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
RUN_DIR=${HGA_RUN_DIR:-$REPO/artifacts/replicas}
PYTHON=${HGA_PYTHON:-$REPO/.venv/bin/python}
NGINX=${HGA_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
NGINX_CONF=${HGA_NGINX_CONF:-$REPO/deploy/nginx.conf}
REPLICAS=2
PORT=8700
FIRST_PORT=8701
WARM=1
START_TIMEOUT=90

die() { echo "serve_replicas: $*" >&2; exit 2; }

command=${1:-}
[ -n "$command" ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) REPLICAS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --first-port) FIRST_PORT=$2; shift 2 ;;
    --no-warm) WARM=0; shift ;;
    *) die "unknown option '$1'; expected --replicas N, --port P, --first-port P or --no-warm" ;;
  esac
done

stop() {
  [ -f "$RUN_DIR/pids" ] || { echo "serve_replicas: nothing running (no $RUN_DIR/pids)"; return 0; }
  # nginx's master (last line) first, so no request reaches a replica that is going away.
  if [ -f "$RUN_DIR/nginx/nginx.pid" ]; then
    "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -s quit 2>/dev/null || true
  fi
  while read -r pid; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done < <(tac "$RUN_DIR/pids")
  for _ in $(seq 1 50); do
    alive=0
    while read -r pid; do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done < "$RUN_DIR/pids"
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done < "$RUN_DIR/pids"
  rm -f "$RUN_DIR/pids"
  echo "serve_replicas: stopped"
}

healthy() {  # url timeout
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    if "$PYTHON" -c "import sys,urllib.request; sys.exit(urllib.request.urlopen(sys.argv[1], timeout=2).status != 200)" "$1/_stcore/health" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  return 1
}

start() {
  [[ "$REPLICAS" =~ ^[1-8]$ ]] || die "--replicas must be 1 to 8; got '$REPLICAS'"
  [ -x "$NGINX" ] || die "nginx not found; install Debian's package: apt-get install nginx"
  [ -f "$NGINX_CONF" ] || die "no nginx config at $NGINX_CONF (HGA_NGINX_CONF)"
  [ -f "$RUN_DIR/pids" ] && die "already running (see $RUN_DIR/pids); run: bash scripts/serve_replicas.sh stop"
  mkdir -p "$RUN_DIR/nginx/logs" "$RUN_DIR/nginx/tmp"
  : > "$RUN_DIR/pids"
  trap 'stop >/dev/null; exit 2' ERR
  secret=$("$PYTHON" -c "import secrets; print(secrets.token_hex(32))")
  upstream=""
  for i in $(seq 0 $((REPLICAS - 1))); do
    port=$((FIRST_PORT + i))
    # runner.postScriptGC off: Streamlit otherwise runs a full gc.collect(2) after every
    # script run, holding the interpreter while it walks the whole heap (the boundaries and
    # tables of a warmed replica); 50 sessions at once spent about 80% of their server time
    # there. Python's own collector still frees a run's cycles (they are young).
    STREAMLIT_SERVER_COOKIE_SECRET=$secret nohup "$PYTHON" -m streamlit run app.py --server.port "$port" \
      --server.address 127.0.0.1 --server.headless true --server.fileWatcherType none \
      --runner.postScriptGC false \
      --browser.gatherUsageStats false > "$RUN_DIR/replica_$port.log" 2>&1 &
    echo $! >> "$RUN_DIR/pids"
    upstream="$upstream        server 127.0.0.1:$port;\n"
  done
  for i in $(seq 0 $((REPLICAS - 1))); do
    port=$((FIRST_PORT + i))
    healthy "http://127.0.0.1:$port" "$START_TIMEOUT" || { stop >/dev/null; die "replica on port $port did not answer /_stcore/health within ${START_TIMEOUT} s; see $RUN_DIR/replica_$port.log"; }
  done
  if [ "$WARM" = 1 ]; then
    warmers=()
    for i in $(seq 0 $((REPLICAS - 1))); do
      port=$((FIRST_PORT + i))
      "$PYTHON" scripts/loadtest.py --url "http://127.0.0.1:$port" --warm --time-limit 120 \
        > "$RUN_DIR/warm_$port.log" 2>&1 &
      warmers+=($!)
    done
    for pid in "${warmers[@]}"; do
      wait "$pid" || true  # a failed warm-up is in its log; the replica still serves
    done
  fi
  # This run's ports in place of the defaults in deploy/nginx.conf (or HGA_NGINX_CONF).
  awk -v port="$PORT" -v upstream="$upstream" '
    /server 127\.0\.0\.1:87[0-9][0-9];/ { if (!done) { printf "%s", upstream; done = 1 } next }
    { sub(/listen 127\.0\.0\.1:8700;/, "listen 127.0.0.1:" port ";"); print }
  ' "$NGINX_CONF" | sed 's/\\n/\n/g' > "$RUN_DIR/nginx/nginx.conf"
  "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -t -q || { stop >/dev/null; die "nginx rejected the config; see above"; }
  "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf"
  for _ in $(seq 1 50); do [ -s "$RUN_DIR/nginx/nginx.pid" ] && break; sleep 0.1; done
  cat "$RUN_DIR/nginx/nginx.pid" >> "$RUN_DIR/pids"
  healthy "http://127.0.0.1:$PORT" 20 || { stop >/dev/null; die "nginx on port $PORT did not pass requests through; see $RUN_DIR/nginx/logs/error.log"; }
  trap - ERR
  echo "serve_replicas: $REPLICAS replicas behind http://127.0.0.1:$PORT (pids in $RUN_DIR/pids)"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  run) start; trap 'stop; exit 0' INT TERM; while true; do sleep 1; done ;;
  *) die "expected 'start', 'stop' or 'run'; got '${command}'" ;;
esac

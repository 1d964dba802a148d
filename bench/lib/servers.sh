# The servers a stack is made of, each started on a unix socket or a loopback port inside the
# stack's own directory. Sourced by bench/run, which sets JAVA and DEMO_CLASSPATH.
#
# A front (what wrk talks HTTP to) sets FRONT_PID; a back (the application server) sets
# BACKEND_PID and listens on unix:DIR/backend.sock.

# start_appserver DIR ARGS...: the Gatehouse app-server, master and 2 worker JVMs, with the
# demo app's class path; ARGS choose the app (--app CLASS or --jwsgi CLASS:METHOD).
start_appserver() {
  local dir=$1
  shift
  spawn "$dir/app-server.log" "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$DEMO_CLASSPATH" \
    dev.gatehouse.appserver.AppServerMain --bind "unix:$dir/backend.sock" --socket-mode 0666 --workers 2 "$@"
  BACKEND_PID=$SPAWNED_PID
}

# start_proxy DIR PORT ARGS...: the Gatehouse proxy on 127.0.0.1:PORT; ARGS say what it serves
# (--upstream unix:..., --root DIR). The front of a stack, like nginx: it sets FRONT_PID.
# The proxy's JVM options; train_proxy_aot asks aot-flags for the cache of exactly these.
PROXY_JVM_OPTS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmx256m)
start_proxy() {
  local dir=$1 port=$2
  shift 2
  local opts=("${PROXY_JVM_OPTS[@]}")
  # The AOT cache bin/gatehouse gives the proxy (scripts/aot-flags), made by train_proxy_aot.
  # shellcheck disable=SC2207
  opts+=($("$REPO/scripts/aot-flags" proxy "$JAVA" "$PROXY_CLASSPATH" "${opts[@]}"))
  spawn "$dir/proxy.log" "$JAVA" "${opts[@]}" \
    -cp "$PROXY_CLASSPATH" dev.gatehouse.proxy.ProxyMain --listen "127.0.0.1:$port" \
    --set access_log=off "$@"
  FRONT_PID=$SPAWNED_PID
}

# start_uwsgi DIR ARGS...: a real uWSGI master and its workers; ARGS choose plugins, app and
# process/thread counts. --die-on-term: uWSGI 2.0 takes TERM as a brutal reload otherwise.
# --disable-logging: uWSGI logs every request by default, nginx (access_log off) and the
# app-server do not; the comparison is of serving, not of logging.
start_uwsgi() {
  local dir=$1
  shift
  spawn "$dir/uwsgi.log" uwsgi --strict --master --die-on-term --disable-logging \
    --socket "$dir/backend.sock" --chmod-socket=666 "$@"
  BACKEND_PID=$SPAWNED_PID
}

# start_nginx DIR PORT LOCATION [LISTEN_FLAGS [SERVER_LINES]]: nginx on 127.0.0.1:PORT, one
# worker, no access log, every path under `location /` with LOCATION as its body; LISTEN_FLAGS
# go on the listen line (ssl http2), SERVER_LINES into the server block (certificates). All its
# files (pid, logs, temp paths) are under DIR/nginx so it never touches /var.
start_nginx() {
  local dir=$1 port=$2 location=$3 listen_flags=${4:-} server_lines=${5:-} user_line=""
  # Started as root, nginx runs its worker as nobody, which may not reach a socket in a temp dir.
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  mkdir -p "$dir/nginx/temp"
  cat >"$dir/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/temp/client_body;
  uwsgi_temp_path $dir/nginx/temp/uwsgi;
  proxy_temp_path $dir/nginx/temp/proxy;
  fastcgi_temp_path $dir/nginx/temp/fastcgi;
  scgi_temp_path $dir/nginx/temp/scgi;
  server {
    listen 127.0.0.1:$port $listen_flags;
    $server_lines
    location / {
      $location
    }
  }
}
EOF
  spawn "$dir/nginx.log" nginx -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf"
  FRONT_PID=$SPAWNED_PID
}

# nginx_uwsgi_pass DIR MODIFIER1: the location body that passes every request to the stack's
# back; modifier1 8 selects JWSGI (uWSGI), which the app-server accepts too.
nginx_uwsgi_pass() {
  local modifier=""
  [ "$2" = 0 ] || modifier="uwsgi_modifier1 $2;"
  echo "include /etc/nginx/uwsgi_params; $modifier uwsgi_pass unix:$1/backend.sock;"
}

# The TLS stacks' settings, one certificate for both servers (made by bench/run under WORK/tls):
# TLS 1.2 and 1.3, HTTP/2 by ALPN, as each server's docs recommend for a modern front.
proxy_tls_args() {
  echo --set listen[0].tls=true --set "listen[0].certificate=$TLS_CERT" --set "listen[0].private_key=$TLS_KEY"
}

nginx_tls_server() {
  echo "ssl_certificate $TLS_CERT; ssl_certificate_key $TLS_KEY; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m;"
}

# The stacks bench/run measures, in the order it runs and prints them, and the ratios it
# reports. Sourced by bench/run.
#
# A stack is one add_stack line and a start function. The start function is called with DIR
# (the stack's own empty directory for this round) and PORT (the loopback port its front must
# listen on); it starts the processes with the helpers of servers.sh, which set FRONT_PID and
# BACKEND_PID, and returns at once. The runner then polls until the stack answers the load's
# request with 200, checks the answer, warms it up, loads it, measures memory and stops it.
#
# The proxy stacks run the same app-server; gh-gh turns the upstream keep-alive off, so each
# request opens a uwsgi connection as nginx does, and gh-gh-ka keeps the default (on).

STACK_IDS=()
declare -A STACK_START STACK_PATH STACK_LOAD STACK_EXPECT STACK_FRONT STACK_BACK STACK_SCHEME STACK_JIT

# add_stack ID START_FUNCTION PATH LOAD EXPECT FRONT BACK
#   LOAD    the request wrk sends: get, or post-4k (a 4 KiB POST body); see lib/wrk; or h2-get,
#           GETs over HTTP/2 by h2load; or ws-echo, WebSocket message round trips (lib/ws)
#   the stack is https when its id starts with tls- or h2-
#   EXPECT  what the checked answer must be: text:STRING (body contains it) or bytes:N (length)
#   FRONT, BACK  what the table says the stack is
add_stack() {
  STACK_IDS+=("$1")
  STACK_START[$1]=$2
  STACK_PATH[$1]=$3
  STACK_LOAD[$1]=$4
  STACK_EXPECT[$1]=$5
  STACK_FRONT[$1]=$6
  STACK_BACK[$1]=$7
  case $1 in tls-* | h2-*) STACK_SCHEME[$1]=https ;; *) STACK_SCHEME[$1]=http ;; esac
  # A stack with a JVM in it (Gatehouse, or uWSGI's jvm plugin) gets the full warm-up for its
  # JIT; nginx and uWSGI's python3 have none to warm and get a short one.
  if [[ "$6 $7" == *Gatehouse* || "$7" == *jvm* ]]; then STACK_JIT[$1]=1; else STACK_JIT[$1]=0; fi
}

RATIO_LABELS=()
declare -A RATIO_METRIC RATIO_NUM RATIO_DEN RATIO_TARGET

# add_ratio LABEL METRIC NUMERATOR_STACK DENOMINATOR_STACK TARGET
#   METRIC  rps, p99, pss_total (backend, all processes) or pss_worker (backend, per worker)
#   TARGET  issue 7's target for it, e.g. ">= 1.2", or "" when there is none
add_ratio() {
  RATIO_LABELS+=("$1")
  RATIO_METRIC[$1]=$2
  RATIO_NUM[$1]=$3
  RATIO_DEN[$1]=$4
  RATIO_TARGET[$1]=$5
}

HELLO='text:Hello, World!'
ECHOED_4K='text:"body_length":4096'

start_ngx_gh() {
  start_appserver "$1" --app dev.gatehouse.demo.DemoApp
  start_nginx "$1" "$2" "$(nginx_uwsgi_pass "$1" 0)"
}

start_ngx_gh_jwsgi() {
  start_appserver "$1" --jwsgi dev.gatehouse.demo.jwsgi.JwsgiHello:application
  start_nginx "$1" "$2" "$(nginx_uwsgi_pass "$1" 8)"
}

# uWSGI's JVM plugin embeds the system's OpenJDK 17: JwsgiHello is compiled for 17 into the demo
# jar, uwsgi.jar must be on the class path, and the class name takes JNI slash form.
start_ngx_uwsgi_jwsgi() {
  start_uwsgi "$1" --plugins jvm,jwsgi --processes 2 --threads 8 \
    --jvm-classpath /usr/share/java/uwsgi.jar --jvm-classpath "$DEMO_JAR" \
    --jwsgi dev/gatehouse/demo/jwsgi/JwsgiHello:application
  start_nginx "$1" "$2" "$(nginx_uwsgi_pass "$1" 8)"
}

start_ngx_uwsgi_py() {
  cat >"$1/hello.py" <<'EOF'
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '13')])
    return [b'Hello, World!']
EOF
  start_uwsgi "$1" --plugins python3 --processes 2 --wsgi-file "$1/hello.py" --need-app
  start_nginx "$1" "$2" "$(nginx_uwsgi_pass "$1" 0)"
}

# uWSGI's own WebSocket API on the python3 plugin: one thread per open socket (websocket_recv
# blocks), 2 processes x 64 threads for the load's 100 sockets.
start_ngx_uwsgi_ws() {
  cat >"$1/ws.py" <<'PY'
import uwsgi
def application(env, start_response):
    uwsgi.websocket_handshake(env['HTTP_SEC_WEBSOCKET_KEY'], env.get('HTTP_ORIGIN', ''))
    while True:
        try:
            msg = uwsgi.websocket_recv()
        except IOError:
            return []
        uwsgi.websocket_send(msg)
PY
  start_uwsgi "$1" --plugins python3 --processes 2 --threads 64 --wsgi-file "$1/ws.py" --need-app
  start_nginx "$1" "$2" "$(nginx_uwsgi_pass "$1" 0)"
}

start_gh_gh() {
  start_appserver "$1" --app dev.gatehouse.demo.DemoApp
  start_proxy "$1" "$2" --upstream "unix:$1/backend.sock" --set upstream.default.keepalive=0
}

start_gh_gh_ka() {
  start_appserver "$1" --app dev.gatehouse.demo.DemoApp
  start_proxy "$1" "$2" --upstream "unix:$1/backend.sock"
}

start_static_gh() {
  BACKEND_PID=""
  start_proxy "$1" "$2" --root "$STATIC_ROOT"
}

start_static_nginx() {
  BACKEND_PID=""
  start_nginx "$1" "$2" "root $STATIC_ROOT; sendfile on;"
}

# TLS: both servers with the same certificate and the same file; nginx with HTTP/2 on its
# listener, as the proxy has by ALPN. Both keep a connection for 100000 requests: nginx's
# default of 1000 applies to HTTP/2 connections too, and h2load does not reconnect after the
# GOAWAY, which would end its load early.
start_tls_static_gh() {
  BACKEND_PID=""
  # shellcheck disable=SC2046 # proxy_tls_args prints separate words on purpose
  start_proxy "$1" "$2" --root "$STATIC_ROOT" --set keepalive_requests=100000 $(proxy_tls_args)
}

start_tls_static_nginx() {
  BACKEND_PID=""
  start_nginx "$1" "$2" "root $STATIC_ROOT; sendfile on;" "ssl http2" "$(nginx_tls_server) keepalive_requests 100000;"
}

#         id                    start function         path      load     expect       front                     back
add_stack gh-gh                 start_gh_gh            /hello    get      "$HELLO"     "Gatehouse proxy"         "Gatehouse app-server, DemoApp"
add_stack gh-gh-ka              start_gh_gh_ka         /hello    get      "$HELLO"     "Gatehouse proxy, upstream keep-alive" "Gatehouse app-server, DemoApp"
add_stack ngx-gh                start_ngx_gh           /hello    get      "$HELLO"     "nginx uwsgi_pass"        "Gatehouse app-server, DemoApp"
add_stack ngx-gh-jwsgi          start_ngx_gh_jwsgi     /hello    get      "$HELLO"     "nginx uwsgi_modifier1 8" "Gatehouse app-server, JWSGI JwsgiHello"
add_stack ngx-uwsgi-jwsgi       start_ngx_uwsgi_jwsgi  /hello    get      "$HELLO"     "nginx uwsgi_modifier1 8" "uWSGI jvm,jwsgi ×8 threads, JwsgiHello"
add_stack ngx-uwsgi-py          start_ngx_uwsgi_py     /hello    get      "$HELLO"     "nginx uwsgi_pass"        "uWSGI python3, WSGI hello"
add_stack ngx-gh-echo           start_ngx_gh           /echo     post-4k  "$ECHOED_4K" "nginx uwsgi_pass"        "Gatehouse app-server, DemoApp /echo"
add_stack ngx-uwsgi-jwsgi-echo  start_ngx_uwsgi_jwsgi  /echo     post-4k  "$ECHOED_4K" "nginx uwsgi_modifier1 8" "uWSGI jvm,jwsgi ×8 threads, JwsgiHello /echo"
add_stack gh-gh-echo            start_gh_gh_ka         /echo     post-4k  "$ECHOED_4K" "Gatehouse proxy, upstream keep-alive" "Gatehouse app-server, DemoApp /echo"
add_stack static-1k-gh          start_static_gh        /1k.bin   get      bytes:1024   "Gatehouse proxy static"  "none"
add_stack static-1k-nginx       start_static_nginx     /1k.bin   get      bytes:1024   "nginx static, sendfile"  "none"
add_stack static-1m-nginx       start_static_nginx     /1m.bin   get      bytes:1048576 "nginx static, sendfile" "none"
add_stack static-1m-gh          start_static_gh        /1m.bin   get      bytes:1048576 "Gatehouse proxy static" "none"
add_stack tls-static-1k-gh      start_tls_static_gh    /1k.bin   get      bytes:1024   "Gatehouse proxy static, TLS"  "none"
add_stack tls-static-1k-nginx   start_tls_static_nginx /1k.bin   get      bytes:1024   "nginx static, TLS"       "none"
add_stack h2-static-1k-gh       start_tls_static_gh    /1k.bin   h2-get   bytes:1024   "Gatehouse proxy static, TLS h2 (h2load)" "none"
add_stack h2-static-1k-nginx    start_tls_static_nginx /1k.bin   h2-get   bytes:1024   "nginx static, TLS h2 (h2load)" "none"
add_stack ws-gh-gh              start_gh_gh_ka         /ws/echo  ws-echo  "$HELLO"     "Gatehouse proxy tunnel"  "Gatehouse app-server, DemoApp /ws/echo"
add_stack ws-ngx-uwsgi-py       start_ngx_uwsgi_ws     /ws/echo  ws-echo  "$HELLO"     "nginx uwsgi_pass tunnel" "uWSGI python3 websocket_recv/send ×64 threads"

#         label                                                    metric      numerator     denominator           target
add_ratio "requests/s gh-gh-ka / ngx-uwsgi-jwsgi"                  rps         gh-gh-ka      ngx-uwsgi-jwsgi       ">= 1.5"
add_ratio "requests/s gh-gh / ngx-uwsgi-jwsgi"                     rps         gh-gh         ngx-uwsgi-jwsgi       ""
add_ratio "p99 latency gh-gh / ngx-uwsgi-jwsgi"                    p99         gh-gh         ngx-uwsgi-jwsgi       "<= 1.0"
add_ratio "requests/s static-1k Gatehouse / nginx"                 rps         static-1k-gh  static-1k-nginx       ">= 1.0"
add_ratio "requests/s static-1m Gatehouse / nginx"                 rps         static-1m-gh  static-1m-nginx       ">= 1.0"
add_ratio "requests/s TLS static-1k Gatehouse / nginx (wrk)"       rps         tls-static-1k-gh tls-static-1k-nginx ">= 1.0"
add_ratio "requests/s TLS h2 static-1k Gatehouse / nginx (h2load)" rps         h2-static-1k-gh  h2-static-1k-nginx  ">= 1.0"
add_ratio "requests/s ngx-gh / ngx-uwsgi-jwsgi"                    rps         ngx-gh        ngx-uwsgi-jwsgi       ">= 1.2"
add_ratio "requests/s ngx-gh-jwsgi / ngx-uwsgi-jwsgi"              rps         ngx-gh-jwsgi  ngx-uwsgi-jwsgi       ""
add_ratio "requests/s ngx-gh-echo / ngx-uwsgi-jwsgi-echo"          rps         ngx-gh-echo   ngx-uwsgi-jwsgi-echo  ""
add_ratio "p99 latency ngx-gh / ngx-uwsgi-jwsgi"                   p99         ngx-gh        ngx-uwsgi-jwsgi       ""
add_ratio "backend CPU per request, Gatehouse (ngx-gh) / uWSGI JWSGI" cpu ngx-gh ngx-uwsgi-jwsgi ""
add_ratio "PSS per worker, Gatehouse (ngx-gh) / uWSGI JWSGI"       pss_worker  ngx-gh        ngx-uwsgi-jwsgi       "<= 0.33"
add_ratio "PSS total, Gatehouse (ngx-gh) / uWSGI JWSGI"            pss_total   ngx-gh        ngx-uwsgi-jwsgi       ""
add_ratio "PSS per worker, Gatehouse JWSGI (ngx-gh-jwsgi) / uWSGI JWSGI" pss_worker ngx-gh-jwsgi ngx-uwsgi-jwsgi  "<= 0.33"
add_ratio "PSS total, Gatehouse JWSGI (ngx-gh-jwsgi) / uWSGI JWSGI" pss_total  ngx-gh-jwsgi  ngx-uwsgi-jwsgi       ""
add_ratio "WebSocket messages/s ws-gh-gh / ws-ngx-uwsgi-py"        rps         ws-gh-gh      ws-ngx-uwsgi-py       ""
add_ratio "WebSocket p99 round trip ws-gh-gh / ws-ngx-uwsgi-py"    p99         ws-gh-gh      ws-ngx-uwsgi-py       ""

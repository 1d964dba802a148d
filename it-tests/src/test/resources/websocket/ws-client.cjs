// A scripted WebSocket client on the npm "ws" package, run by WebSocketEndToEndTest:
//   node ws-client.cjs URL SCENARIO
// Prints one line per check, "OK <check>" or "FAIL <check>: <details>", then "DONE".
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const [url, scenario, arg] = process.argv.slice(2);
const MIB = 1024 * 1024;

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false, maxPayload: 64 * MIB });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error('HTTP ' + res.statusCode)));
  });
}

// The next event of this kind; fails if the socket closes first.
function next(ws, event) {
  return new Promise((resolve, reject) => {
    const onClose = (code, reason) => reject(new Error('closed with ' + code + ' ' + reason + ' while waiting for ' + event));
    ws.once('close', onClose);
    ws.once(event, (...args) => {
      ws.removeListener('close', onClose);
      resolve(args);
    });
  });
}

function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
}

function check(name, ok, details) {
  console.log(ok ? 'OK ' + name : 'FAIL ' + name + ': ' + details);
}

async function sizes() {
  const ws = await open();
  for (const n of [0, 125, 126, 65535, 65536, 16 * MIB]) {
    const data = crypto.randomBytes(n);
    ws.send(data, { binary: true });
    const [echo, isBinary] = await next(ws, 'message');
    check('binary ' + n, isBinary && Buffer.compare(echo, data) === 0,
      'got ' + echo.length + ' bytes, binary=' + isBinary);
    const text = 'x'.repeat(Math.max(0, n - 2)) + (n >= 2 ? 'é' : 'é'.slice(0, n)); // n bytes of UTF-8
    const bytes = Buffer.from(text, 'utf8');
    ws.send(text);
    const [back, binary] = await next(ws, 'message');
    check('text ' + n, !binary && Buffer.compare(back, bytes) === 0 && back.toString('utf8') === text,
      'got ' + back.length + ' bytes, binary=' + binary + ', wanted ' + bytes.length);
  }
  ws.close(1000, 'done');
  const [code] = await closed(ws);
  check('closed', code === 1000, 'code ' + code);
}

async function fragments() {
  const ws = await open();
  ws.send('frag', { fin: false });
  ws.send('mented ', { fin: false });
  ws.send('message', { fin: true });
  let [echo] = await next(ws, 'message');
  check('client fragments joined', echo.toString() === 'fragmented message', 'got ' + echo);
  const big = crypto.randomBytes(200000);
  ws.send(big.subarray(0, 70000), { binary: true, fin: false });
  ws.send(big.subarray(70000, 140000), { binary: true, fin: false });
  ws.send(big.subarray(140000), { binary: true, fin: true });
  [echo] = await next(ws, 'message');
  check('binary fragments joined', Buffer.compare(echo, big) === 0, 'got ' + echo.length + ' bytes');
  ws.send('cmd:frag 4 sent in pieces by the server');
  [echo] = await next(ws, 'message');
  check('server fragments joined', echo.toString() === 'sent in pieces by the server', 'got ' + echo);
  ws.close();
  await closed(ws);
}

async function ping() {
  const ws = await open();
  ws.ping(Buffer.from('client ping'));
  const [pong] = await next(ws, 'pong');
  check('pong for a client ping', pong.toString() === 'client ping', 'got ' + pong);
  const serverPing = next(ws, 'ping');
  ws.send('cmd:ping server ping');
  const [data] = await serverPing;
  check('server ping arrives', data.toString() === 'server ping', 'got ' + data);
  const [answer] = await next(ws, 'message');
  check('server got the pong', answer.toString() === 'pong:server ping', 'got ' + answer);
  ws.close();
  await closed(ws);
}

async function clientClose() {
  const ws = await open();
  const done = closed(ws);
  ws.close(4321, 'client says bye');
  const [code] = await done;
  check('client close echoed', code === 4321, 'code ' + code);
}

async function serverClose() {
  const ws = await open();
  const done = closed(ws);
  ws.send('cmd:close 4001 server says bye');
  const [code, reason] = await done;
  check('server close', code === 4001 && reason === 'server says bye', 'code ' + code + ' reason ' + reason);
}

async function tooBig() {
  const ws = await open();
  const done = closed(ws);
  ws.on('error', () => {}); // the server may cut the connection while the rest is still being sent
  ws.send(crypto.randomBytes(16 * MIB + 1), { binary: true });
  const [code] = await done;
  check('1009 for a message past 16 MiB', code === 1009, 'code ' + code);
}

async function drop() {
  const ws = await open();
  ws.send('before the drop');
  await next(ws, 'message');
  ws.terminate(); // no close frame: the TCP connection just ends
  await closed(ws);
  const again = await open();
  again.send('after the drop');
  const [echo] = await next(again, 'message');
  check('a new socket after an abrupt drop', echo.toString() === 'after the drop', 'got ' + echo);
  again.close();
  await closed(again);
}

// Every message of a socket from its start, so that none is missed between awaits (a server may
// send its first message in the same read as the 101).
function inbox(ws) {
  const queue = [];
  const waiting = [];
  ws.on('message', (data) => (waiting.length ? waiting.shift()(data.toString()) : queue.push(data.toString())));
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

async function chat() {
  const alice = new WebSocket(url + '?name=alice', { rejectUnauthorized: false });
  const aliceNext = inbox(alice);
  await next(alice, 'open');
  const joined = await aliceNext();
  check('alice joined', joined === '* alice joined', 'got ' + joined);
  const bob = new WebSocket(url + '?name=bob', { rejectUnauthorized: false });
  const bobNext = inbox(bob);
  await next(bob, 'open');
  const seenByAlice = await aliceNext();
  check('alice sees bob join', seenByAlice === '* bob joined', 'got ' + seenByAlice);
  await bobNext(); // bob's own join
  bob.send('hello alice');
  const line = await aliceNext();
  check('broadcast reaches alice', line === 'bob: hello alice', 'got ' + line);
  bob.close();
  const left = await aliceNext();
  check('alice sees bob leave', left === '* bob left', 'got ' + left);
  alice.close();
  await closed(alice);
}

// Text only, up to 64 KiB and no compression: what uWSGI's own WebSocket support takes.
async function textEcho() {
  const ws = await open();
  for (const n of [0, 125, 126, 65535, 65536]) {
    const text = 'y'.repeat(n);
    ws.send(text);
    const [back] = await next(ws, 'message');
    check('text ' + n, back.toString() === text, 'got ' + back.length + ' bytes');
  }
  ws.close(1000, 'done');
  await closed(ws);
}

// N sockets with numbered messages flowing (one per socket per second, each echoed), held
// across a reload: prints READY once all are open with their worker pids; after the test sent
// HUP, each socket must get 1001 with every message echoed in order up to then, and a new
// socket must reach a worker of the new generation.
async function hup() {
  const n = parseInt(arg, 10);
  const oldPids = new Set();
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const ws = await open();
    const nextMessage = inbox(ws);
    ws.send('cmd:pid');
    const pid = await nextMessage();
    oldPids.add(pid);
    sockets.push({ ws, nextMessage, sent: 0, acked: 0, gap: false, closedWith: null });
  }
  console.log('READY ' + [...oldPids].sort().join(','));
  const done = sockets.map((s) => new Promise((resolve) => {
    s.ws.removeAllListeners('message');
    s.ws.on('message', (data) => {
      const seq = parseInt(data.toString(), 10);
      if (seq !== s.acked + 1) s.gap = true;
      s.acked = seq;
    });
    const timer = setInterval(() => {
      if (s.ws.readyState === WebSocket.OPEN) s.ws.send(String(++s.sent));
    }, 1000);
    s.ws.once('close', (code) => {
      clearInterval(timer);
      s.closedWith = code;
      resolve();
    });
  }));
  await Promise.all(done);
  const codes = {};
  for (const s of sockets) codes[s.closedWith] = (codes[s.closedWith] || 0) + 1;
  check('every socket closed with 1001', codes[1001] === n, JSON.stringify(codes));
  const gaps = sockets.filter((s) => s.gap).length;
  check('no echo missing or out of order', gaps === 0, gaps + ' sockets with a gap');
  const acked = sockets.reduce((a, s) => a + s.acked, 0);
  check('messages flowed', acked >= n, 'only ' + acked + ' echoes');
  const fresh = await open();
  const freshNext = inbox(fresh);
  fresh.send('cmd:pid');
  const pid = await freshNext();
  check('a new socket reaches the new generation', !oldPids.has(pid), pid + ' is an old worker');
  fresh.close();
  await closed(fresh);
}

const scenarios = { hup, 'text-echo': textEcho, sizes, fragments, ping, 'client-close': clientClose, 'server-close': serverClose,
  'too-big': tooBig, drop, chat };

(async () => {
  try {
    await scenarios[scenario]();
    console.log('DONE');
  } catch (e) {
    console.log('FAIL ' + scenario + ': ' + (e && e.stack || e));
    process.exitCode = 1;
  }
})();

// The WebSocket echo load of bench/run, on the npm "ws" package:
//   node ws-echo-load.cjs check URL OUT          one socket, one "Hello, World!" round trip; the
//                                                echo goes to OUT; prints 200 (000 on failure)
//   node ws-echo-load.cjs load URL CONNECTIONS SECONDS SIZE
// In load mode CONNECTIONS sockets each send a SIZE-byte text message, wait for its echo, and
// send the next (a closed loop, as wrk's connections are) for SECONDS; then it prints one line in
// the form of lib/wrk/report.lua's: "BENCH requests=N duration_us=D p50_us=P p99_us=Q status=E
// connect=C read=R write=0 timeout=0", where a request is one message's round trip and status
// counts wrong echoes. permessage-deflate is off: the load measures the servers, not zlib.
'use strict';
const WebSocket = require('ws');
const fs = require('fs');

const mode = process.argv[2];
const url = process.argv[3].replace(/^http/, 'ws');

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, rejectUnauthorized: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function check(out) {
  const timer = setTimeout(() => { console.log('000'); process.exit(0); }, 5000);
  try {
    const ws = await open();
    ws.send('Hello, World!');
    const [echo] = await new Promise((resolve) => ws.once('message', (...a) => resolve(a)));
    fs.writeFileSync(out, echo.toString());
    ws.close();
    console.log('200');
  } catch (e) {
    console.log('000');
  }
  clearTimeout(timer);
}

async function load(connections, seconds, size) {
  const message = 'x'.repeat(size);
  const rtts = [];
  let wrong = 0;
  let connectErrors = 0;
  let readErrors = 0;
  const sockets = [];
  for (let i = 0; i < connections; i++) {
    try {
      sockets.push(await open());
    } catch (e) {
      connectErrors++;
    }
  }
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds) * 1000000000n;
  let stopped = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  for (const ws of sockets) {
    let sentAt;
    const sendNext = () => {
      if (process.hrtime.bigint() >= end) {
        ws.close();
        if (++stopped === sockets.length) finish();
        return;
      }
      sentAt = process.hrtime.bigint();
      ws.send(message);
    };
    ws.on('message', (data) => {
      rtts.push(Number(process.hrtime.bigint() - sentAt) / 1000);
      if (data.length !== size) wrong++;
      sendNext();
    });
    ws.on('error', () => readErrors++);
    ws.on('close', () => {
      if (process.hrtime.bigint() < end) {
        readErrors++;
        if (++stopped === sockets.length) finish();
      }
    });
    sendNext();
  }
  if (sockets.length === 0) finish();
  await done;
  const durationUs = Number(process.hrtime.bigint() - start) / 1000;
  rtts.sort((a, b) => a - b);
  const pct = (p) => (rtts.length ? Math.round(rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * p))]) : 0);
  console.log('BENCH requests=' + rtts.length + ' duration_us=' + Math.round(durationUs) + ' p50_us=' + pct(0.5)
    + ' p99_us=' + pct(0.99) + ' status=' + wrong + ' connect=' + connectErrors + ' read=' + readErrors
    + ' write=0 timeout=0');
}

(async () => {
  if (mode === 'check') {
    await check(process.argv[4]);
  } else {
    await load(parseInt(process.argv[4], 10), parseInt(process.argv[5], 10), parseInt(process.argv[6], 10));
  }
})();

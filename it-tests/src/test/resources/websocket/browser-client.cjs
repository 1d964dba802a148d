// Drives Debian's headless Chromium over the DevTools protocol (with the npm "ws" package) to run
// WebSocket checks inside a page with the browser's own WebSocket, run by WebSocketEndToEndTest:
//   node browser-client.cjs CHROMIUM URL
// Prints "OK <check>" / "FAIL <check>: <details>" lines from the page, then "DONE".
'use strict';
const WebSocket = require('ws');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');

const [chromium, url] = process.argv.slice(2);

// Runs in the page: every check with the browser's WebSocket API.
async function pageChecks(url) {
  const MIB = 1024 * 1024;
  const out = [];
  const check = (name, ok, details) => out.push(ok ? 'OK ' + name : 'FAIL ' + name + ': ' + details);
  const open = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const queue = [];
    const waiting = [];
    ws.onmessage = (e) => (waiting.length ? waiting.shift()(e.data) : queue.push(e.data));
    ws.next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r)));
    ws.closed = new Promise((r) => (ws.onclose = (e) => r([e.code, e.reason])));
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('WebSocket error on open'));
  });
  const random = (n) => {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(a.subarray(i, Math.min(n, i + 65536)));
    return a;
  };
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

  let ws = await open();
  for (const n of [0, 125, 126, 65535, 65536, 16 * MIB]) {
    const data = random(n);
    ws.send(data);
    const echo = new Uint8Array(await ws.next());
    check('binary ' + n, same(echo, data), 'got ' + echo.length + ' bytes');
    const text = 'x'.repeat(Math.max(0, n - 2)) + (n >= 2 ? '\u00e9' : '');
    ws.send(text);
    const back = await ws.next();
    check('text ' + n, back === text, 'got ' + back.length + ' chars');
  }
  ws.send('cmd:frag 4 sent in pieces by the server');
  const joined = await ws.next();
  check('server fragments joined', joined === 'sent in pieces by the server', 'got ' + joined);
  ws.send('cmd:ping from the server');
  const pong = await ws.next();
  check('the browser answers a ping', pong === 'pong:from the server', 'got ' + pong);
  ws.close(4321, 'browser says bye');
  let [code] = await ws.closed;
  check('client close', code === 4321, 'code ' + code);

  ws = await open();
  ws.send('cmd:close 4001 server says bye');
  let reason;
  [code, reason] = await ws.closed;
  check('server close', code === 4001 && reason === 'server says bye', 'code ' + code + ' reason ' + reason);

  ws = await open();
  ws.send(random(16 * MIB + 1));
  [code] = await ws.closed;
  check('1009 for a message past 16 MiB', code === 1009, 'code ' + code);
  return out;
}

function getJson(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

async function waitForPort(dir, deadline) {
  const file = path.join(dir, 'DevToolsActivePort');
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) {
      const port = parseInt(fs.readFileSync(file, 'utf8').split('\n')[0], 10);
      if (port > 0) return port;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('Chromium did not open its DevTools port');
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chromium-'));
  const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors',
    '--user-data-dir=' + dir, '--remote-debugging-port=0', 'about:blank'], { stdio: 'ignore' });
  try {
    const port = await waitForPort(dir, Date.now() + 60000);
    let page;
    for (let i = 0; i < 100 && !page; i++) {
      page = (await getJson(port, '/json/list')).find((t) => t.type === 'page');
      if (!page) await new Promise((r) => setTimeout(r, 50));
    }
    const cdp = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise((resolve, reject) => { cdp.once('open', resolve); cdp.once('error', reject); });
    const result = await new Promise((resolve, reject) => {
      cdp.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.id === 1) resolve(msg);
      });
      cdp.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: {
        expression: '(' + pageChecks.toString() + ')(' + JSON.stringify(url) + ')',
        awaitPromise: true, returnByValue: true } }));
    });
    if (result.result && result.result.exceptionDetails) {
      console.log('FAIL page: ' + JSON.stringify(result.result.exceptionDetails));
    } else if (result.error) {
      console.log('FAIL devtools: ' + JSON.stringify(result.error));
    } else {
      for (const line of result.result.result.value) console.log(line);
    }
    // Browser.close lets Chromium end its helper processes and stop writing its profile.
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    cdp.send(JSON.stringify({ id: 2, method: 'Browser.close' }));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
    cdp.close();
    console.log('DONE');
  } catch (e) {
    console.log('FAIL browser: ' + (e && e.stack || e));
    process.exitCode = 1;
  } finally {
    if (browser.exitCode === null) browser.kill('SIGKILL');
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (e) {
      // A helper process may still write to the profile for a moment: the temp dir is left then.
    }
  }
})();

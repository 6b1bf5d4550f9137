// HTTP load generator for `make bench`: closed loop at a fixed concurrency, or a fixed rate.
// Speaks HTTP/1.1 keep-alive over raw sockets with prebuilt requests, because Node's `http`
// client costs about as much CPU per request as the servers it measures.
// Usage: node http_load.js CONFIG_JSON  (prints one JSON result line on stdout)
'use strict';
const net = require('net');
const { performance } = require('perf_hooks');

const cfg = JSON.parse(process.argv[2]);
// `urls` (several instances of one server) share the connections round-robin.
const urls = (cfg.urls || [cfg.url]).map((u) => new URL(u));
const url = urls[0];
// Request i goes to merchant i mod M; with `emails` > 1 its address is the body's with +k added
// (k = floor(i / M) mod emails), as distinct leads have distinct addresses.
const addresses = Array.from({ length: cfg.emails || 1 }, (_, k) =>
  (k === 0 || !cfg.body.email ? cfg.body.email : cfg.body.email.replace('@', `+${k}@`)));
const requests = addresses.flatMap((email) => cfg.merchants.map((m) => {
  const body = Buffer.from(JSON.stringify(email === undefined ? cfg.body : { ...cfg.body, email }));
  return Buffer.concat([Buffer.from(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nX-Merchant-Id: ${m}\r\n\r\n`), body]);
}));
let opened = 0;
const wallMs = () => performance.timeOrigin + performance.now();
const CRLF2 = Buffer.from('\r\n\r\n');

// One keep-alive connection answering one request at a time: send() resolves {status, body}.
function connection() {
  const target = urls[opened++ % urls.length];
  const sock = net.connect({ host: target.hostname, port: Number(target.port) });
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0); let waiter = null;
  sock.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const end = buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = buf.subarray(0, end).toString('latin1');
    const m = /content-length:\s*(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (buf.length < end + 4 + len) return;
    const res = { status: Number(head.slice(9, 12)), body: buf.subarray(end + 4, end + 4 + len) };
    buf = buf.subarray(end + 4 + len);
    const w = waiter; waiter = null; w(res);
  });
  let open = true;
  const fail = () => { open = false; if (waiter) { const w = waiter; waiter = null; w({ status: 0, body: '' }); } };
  sock.on('error', fail); sock.on('close', fail);
  // The server closes keep-alive connections idle past its timeout: such a one is never reused.
  return { send: (i) => new Promise((resolve) => { waiter = resolve; sock.write(requests[i % requests.length]); }),
    close: () => sock.destroy(), get open() { return open; } };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function closedLoop() {
  const conns = Array.from({ length: cfg.concurrency }, connection);
  await Promise.all(conns.map((c, i) => c.send(i))); // warm-up: steady state only
  const lat = []; const statuses = {}; let n = 0;
  const start = performance.now(); const end = start + cfg.duration * 1000;
  await Promise.all(conns.map(async (c) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await c.send(n++);
      lat.push(performance.now() - t0);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  conns.forEach((c) => c.close());
  lat.sort((a, b) => a - b);
  return { requests: lat.length, seconds: elapsed, rps: lat.length / elapsed, statuses,
    p50_ms: pct(lat, 50), p99_ms: pct(lat, 99), max_ms: lat[lat.length - 1] };
}

async function fixedRate() {
  // One submit every 1/rate s, merchants in turn; records when each request left the client.
  const idle = Array.from({ length: cfg.concurrency || 32 }, connection);
  const sent = []; const statuses = {}; const pending = [];
  const total = Math.round(cfg.rate * cfg.duration); const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / cfg.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let c = idle.pop();
    while (c && !c.open) c = idle.pop();
    c = c || connection();
    const t = wallMs();
    pending.push(c.send(i).then((r) => {
      idle.push(c);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status === 201) sent.push([JSON.parse(r.body).id, t, wallMs() - t]);
    }));
  }
  await Promise.all(pending);
  idle.forEach((c) => c.close());
  return { requests: total, seconds: (performance.now() - start) / 1000, statuses, sent };
}

(cfg.rate ? fixedRate() : closedLoop()).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));

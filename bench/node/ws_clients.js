// WebSocket dashboards for `make bench`: open many sockets speaking SPEC §8, record arrivals.
// Usage: node ws_clients.js CONFIG_JSON_FILE. Prints "ready N FAILED" once every socket is set
// up, then answers each stdin line "report" with one JSON line of what arrived, and "quit".
// A group with "protocol": "socket.io" connects with socket.io-client (websocket transport only)
// instead, joining its room through the connect auth and receiving the same event as "event".
'use strict';
const fs = require('fs');
const readline = require('readline');
const { performance } = require('perf_hooks');
const WebSocket = require('ws');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const wallMs = () => performance.timeOrigin + performance.now();
const arrivals = new Map(); // event key -> [count, first ms, last ms, stream ms]
const closeCodes = {};
let open = 0; let failed = 0;

function record(ev) {
  const now = wallMs();
  if (ev.op !== 'event') return;
  const key = ev.data.id;
  const seen = arrivals.get(key);
  if (seen) { seen[0] += 1; seen[2] = now; return; }
  arrivals.set(key, [1, now, now, Number(String(ev.offset).split('-')[0])]);
}

function connect(spec, index) {
  return new Promise((resolve) => {
    const localAddress = cfg.localAddress || undefined;
    const ws = new WebSocket(spec.url, { perMessageDeflate: false, localAddress });
    let settled = false;
    const done = (ok) => { if (!settled) { settled = true; ok ? open++ : failed++; resolve(); } };
    ws.on('open', () => ws.send(JSON.stringify({ op: 'auth', token: spec.token })));
    ws.on('message', (data) => {
      if (settled) { record(JSON.parse(data)); return; }
      const m = JSON.parse(data);
      if (m.op === 'ready' && spec.room) ws.send(JSON.stringify({ op: 'subscribe', room: spec.room }));
      else if (m.op === 'ready' || m.op === 'subscribed') done(true);
      else done(false);
    });
    ws.on('error', () => done(false));
    ws.on('close', (code) => { closeCodes[code] = (closeCodes[code] || 0) + 1; done(false); });
  });
}

function connectSocketIo(spec) {
  return new Promise((resolve) => {
    const { io } = require('socket.io-client'); // loaded only when a run asks for it
    const socket = io(spec.url, {
      transports: ['websocket'],
      auth: { token: spec.token, room: spec.room },
      forceNew: true, // one engine.io connection per socket, as the other clients have
      reconnection: false,
      perMessageDeflate: false,
      localAddress: cfg.localAddress || undefined,
    });
    let settled = false;
    const done = (ok) => { if (!settled) { settled = true; ok ? open++ : failed++; resolve(); } };
    socket.on('event', (ev) => { if (settled) record(ev); });
    socket.on('connect', () => done(true));
    socket.on('connect_error', () => done(false));
    socket.on('disconnect', (reason) => { closeCodes[reason] = (closeCodes[reason] || 0) + 1; done(false); });
  });
}

async function main() {
  // Expand groups into sockets; a bounded number of handshakes in flight keeps accept queues sane.
  const specs = [];
  for (const g of cfg.groups) for (let i = 0; i < g.count; i++) specs.push(g);
  let next = 0;
  const lane = async () => { while (next < specs.length) { const i = next++; await (specs[i].protocol === 'socket.io' ? connectSocketIo(specs[i]) : connect(specs[i], i)); } };
  await Promise.all(Array.from({ length: cfg.parallel || 100 }, lane));
  process.stdout.write(`ready ${open} ${failed}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line === 'report') {
      const events = {};
      for (const [k, v] of arrivals) events[k] = v;
      process.stdout.write(JSON.stringify({ open, failed, closeCodes, events }) + '\n');
    } else if (line === 'reset') arrivals.clear();
    else if (line === 'quit') process.exit(0);
  });
  rl.on('close', () => process.exit(0));
}
main();

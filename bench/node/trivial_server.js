// The cheapest HTTP server we can write: shows how many requests/s the load generator can make.
'use strict';
const http = require('http');
const answer = Buffer.from('{"id":"00000000-0000-0000-0000-000000000000","status":"NEW"}');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));

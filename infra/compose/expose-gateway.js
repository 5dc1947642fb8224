'use strict';
// Forwards LISTEN_PORT on all interfaces to TARGET_PORT on loopback, in the gateway's network
// namespace (compose `network_mode: service:gateway`): `npm start` binds the gateway to
// 127.0.0.1, which other containers and the host cannot reach. Remove this service once the
// gateway takes its listen address from the environment.
const net = require('node:net');

const listenPort = Number(process.env.LISTEN_PORT || 8081);
const targetPort = Number(process.env.TARGET_PORT || 8080);

net
  .createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  })
  .listen(listenPort, '0.0.0.0', () => console.log(`forwarding :${listenPort} to 127.0.0.1:${targetPort}`));

process.once('SIGTERM', () => process.exit(0));

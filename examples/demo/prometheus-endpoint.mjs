/**
 * The Prometheus scrape endpoint: the JS Prometheus exporter's request handler on our own HTTP
 * server, so a busy port can fall back to an ephemeral one (and the demo says so).
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import * as http from 'node:http';

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** The host to put in a URL we print: a wildcard bind is reached on loopback. */
function urlHost(host) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startPrometheusEndpoint({ host = '127.0.0.1', port = 9464 }) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') exporter.getMetricsRequestHandler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
  });
  const notes = [];
  let bound;
  try {
    bound = await listen(server, port, host);
  } catch (err) {
    if (err?.code !== 'EADDRINUSE' || port === 0) throw err;
    bound = await listen(server, 0, host);
    notes.push(`port ${port} was busy, using ${bound} instead`);
  }
  if (urlHost(host) !== host) notes.push(`listening on ${host}`);
  const note = notes.length ? notes.join('; ') : undefined;
  return {
    exporter,
    url: `http://${urlHost(host)}:${bound}/metrics`,
    host,
    port: bound,
    note,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

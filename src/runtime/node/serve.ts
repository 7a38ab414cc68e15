import { serve } from '@hono/node-server';
import { CONNECTORS } from '../../../connectors/registry.js';
import { HubError } from '../../core/errors.js';
import { SOURCES } from '../../sources/registry.js';
import { createNodeHub, type NodeHubOptions } from './hub.js';

/** Start the hub: HTTP server and job runner; stop cleanly on SIGTERM/SIGINT. */
export async function startServer(options: NodeHubOptions) {
  const hub = createNodeHub(options);
  const { log, config } = hub;
  for (const c of CONNECTORS) {
    if (hub.clients.isSandboxed(c)) log.info({ connector: c.name }, `${c.title}: no credentials, sandbox mode (actions are recorded, not sent)`);
  }
  for (const s of SOURCES.values()) {
    if (!options.env[s.secretVariable]) log.warn({ source: s.name }, `${s.secretVariable} is not set: ${s.name} webhooks are accepted unsigned`);
  }
  if (!config.CLOSELOOP_ADMIN_TOKEN) log.warn({}, 'CLOSELOOP_ADMIN_TOKEN is not set: /api answers only requests from this machine');
  hub.loop.start();
  const server = serve({ fetch: hub.app.fetch, port: config.PORT, hostname: config.HOST });
  try {
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  } catch (error) {
    await hub.close();
    throw listenFailure(error, config.HOST, config.PORT);
  }
  log.info({ port: config.PORT, db: config.CLOSELOOP_DB, recipes: hub.recipes.map((r) => r.name) }, `closeloop listening on http://localhost:${config.PORT}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing jobs in flight');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return { hub, server };
}

/** A port that cannot be had, said in one line (not a stack); any other failure as it is. */
function listenFailure(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new HubError(409, 'port_in_use', `Port ${port} is already in use on ${host}: stop what listens there, or set PORT to another port`);
  if (code === 'EACCES') return new HubError(403, 'port_not_allowed', `Port ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`);
  if (code === 'EADDRNOTAVAIL') return new HubError(400, 'host_not_available', `HOST ${host} is not an address of this machine: set HOST (default 0.0.0.0)`);
  return error;
}

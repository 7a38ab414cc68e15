import { serve } from '@hono/node-server';
import { CONNECTORS } from '../../../connectors/registry.js';
import { HubError } from '../../core/errors.js';
import { SOURCES } from '../../sources/registry.js';
import { unsignedStatus } from '../../sources/webhook-policy.js';
import { createNodeHub, type NodeHubOptions } from './hub.js';
import { watchRecipes } from './recipe-watcher.js';

/** Start the hub: HTTP server and job runner; reload recipes on a file change or SIGHUP; stop cleanly on SIGTERM/SIGINT. */
export async function startServer(options: NodeHubOptions) {
  const hub = createNodeHub(options);
  const { log, config } = hub;
  for (const c of CONNECTORS) {
    if (hub.clients.isSandboxed(c)) log.info({ connector: c.name }, `${c.title}: no credentials, sandbox mode (actions are recorded, not sent)`);
  }
  for (const s of SOURCES.values()) {
    if (hub.webhookPolicy.enabled && !hub.webhookPolicy.enabled.includes(s.name)) continue;
    const status = unsignedStatus(s, hub.webhookPolicy);
    if (status === 'unsigned-sandbox') log.warn({ source: s.name }, `${s.secretVariable} is not set: ${s.name} webhooks are accepted unsigned while every connector is in sandbox mode`);
    else if (status === 'unsigned-allowed') log.warn({ source: s.name }, `${s.secretVariable} is not set: ${s.name} webhooks are accepted unsigned (CLOSELOOP_ALLOW_UNSIGNED)`);
    else if (status === 'refused') log.warn({ source: s.name }, `${s.secretVariable} is not set: ${s.name} webhooks are refused (401) because connectors have credentials; set it, or CLOSELOOP_ALLOW_UNSIGNED=${s.name}`);
  }
  // Where the admin token is and how to read it; never the token itself (logs travel).
  const { file, generated } = hub.adminToken;
  if (file) log.info({ file }, `admin API token ${generated ? 'generated' : 'kept'} in ${file} (mode 0600): print it with \`npx closeloop admin-token\` and send it as "Authorization: Bearer <token>"`);
  else if (!config.CLOSELOOP_ADMIN_TOKEN) log.warn({}, 'admin API token generated for this process only (in-memory database): set CLOSELOOP_ADMIN_TOKEN to use /api');
  hub.loop.start();
  hub.retention?.start();
  void hub.digest?.start();
  const server = serve({ fetch: hub.app.fetch, port: config.PORT, hostname: config.HOST });
  try {
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  } catch (error) {
    await hub.close();
    throw listenFailure(error, config.HOST, config.PORT);
  }
  log.info({ port: config.PORT, db: config.CLOSELOOP_DB, recipes: hub.recipes.current().map((r) => r.name) }, `closeloop listening on http://localhost:${config.PORT}`);

  const reload = () => void hub.reloadRecipes();
  const stopWatching = watchRecipes({ dir: config.CLOSELOOP_RECIPES, onChange: reload });
  process.on('SIGHUP', reload);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing jobs in flight');
    stopWatching();
    process.off('SIGHUP', reload);
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

import type { Command } from 'commander';

/** `closeloop send <source>`: a sample webhook of that tool, signed as the tool signs, to a running hub. */
export function registerSend(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('send')
    .description("Post a sample webhook of a survey tool to a running hub, signed with its <SOURCE>_WEBHOOK_SECRET as the tool signs; prints the hub's answer")
    .argument('<source>', 'survey source (closeloop sources lists them)')
    .option('--score <score>', "the score as the tool sends it (a number; good or bad for zendesk-csat); default the sample's")
    .option('--comment <text>', "the verbatim; default the sample's")
    .option('--email <email>', "the respondent's email; default the sample's")
    .option('--id <id>', "the response's id in the tool; default a new one (a resend of the same id is a duplicate)")
    .option('--url <url>', 'the hub; default http://localhost:$PORT')
    .action(async (name: string, opts: { score?: string; comment?: string; email?: string; id?: string; url?: string }) => {
      const [{ readFileSync }, { join }, { loadConfig }, { HubError }, { SOURCES }, { sampleWebhook }, { packageRoot }] = await Promise.all([
        import('node:fs'),
        import('node:path'),
        import('../../../core/config.js'),
        import('../../../core/errors.js'),
        import('../../../sources/registry.js'),
        import('../../../sources/sample.js'),
        import('../package-version.js'),
      ]);
      const source = SOURCES.get(name);
      if (!source) throw new HubError(404, 'unknown_source', `Unknown source "${name}"; known: ${[...SOURCES.keys()].join(', ')}`);
      const example = JSON.parse(readFileSync(join(packageRoot(), 'samples', `${name}.json`), 'utf8'));
      const baseUrl = opts.url ?? `http://localhost:${loadConfig(env).PORT}`;
      const secret = env[source.secretVariable] || undefined;
      const id = opts.id ?? `send-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const webhook = await sampleWebhook(source, { example, values: { id, score: opts.score, comment: opts.comment, email: opts.email }, secret, baseUrl, env, now: new Date() });
      if (!secret) console.error(`${source.secretVariable} is not set: sent unsigned`);
      const given = webhook.notCarried.filter((k) => opts[k] !== undefined);
      if (given.length) console.error(`${source.title} webhooks carry no ${given.join(', ')} (the hub reads the answers through its API): not sent`);
      let res: Response;
      try {
        res = await fetch(webhook.url, { method: 'POST', headers: webhook.headers, body: webhook.body });
      } catch (error) {
        throw new HubError(503, 'hub_unreachable', `No hub answers at ${baseUrl} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}): start it (npm start) or pass --url`);
      }
      console.log(`${res.status} ${await res.text()}`);
      if (!res.ok) process.exitCode = 1;
    });
}

// Each test file starts on a local D1 with the migrations wrangler would apply (migrations/).
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

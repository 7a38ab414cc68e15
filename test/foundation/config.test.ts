import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/core/errors.js';
import { loadHubConfig } from '../../src/runtime/node/hub.js';

function problem(env: Record<string, string>) {
  try {
    loadHubConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return (error as HubError).issues;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration at start-up', () => {
  it('uses the documented defaults', () => {
    const c = loadHubConfig({}).config;
    expect([c.PORT, c.CLOSELOOP_DB, c.CLOSELOOP_RECIPES, c.CLOSELOOP_SYNC]).toEqual([8787, './data/closeloop.db', './recipes', 'FULL']);
  });

  it('names a bad variable', () => {
    expect(problem({ PORT: 'eighty' })[0]!.field).toBe('PORT');
    expect(problem({ CLOSELOOP_ADMIN_TOKEN: 'short' })[0]).toEqual({ field: 'CLOSELOOP_ADMIN_TOKEN', message: 'must be at least 16 characters' });
  });

  it('refuses an admin token no HTTP header can carry, naming the variable', () => {
    for (const token of [' leading-space-0123456789', 'trailing-space-0123456789 ', 'not-ascii-0123456789-é', 'tab\tinside-0123456789']) {
      expect(problem({ CLOSELOOP_ADMIN_TOKEN: token })).toEqual([{ field: 'CLOSELOOP_ADMIN_TOKEN', message: 'must be printable ASCII without spaces at either end (an HTTP header carries it)' }]);
    }
    expect(loadHubConfig({ CLOSELOOP_ADMIN_TOKEN: 'p@ss w0rd!#$%^&*()"<>' }).config.CLOSELOOP_ADMIN_TOKEN).toBe('p@ss w0rd!#$%^&*()"<>');
  });

  it('CLOSELOOP_SOURCES and CLOSELOOP_ALLOW_UNSIGNED: lists of known sources; an unknown name stops the start naming the variable', () => {
    expect(loadHubConfig({ CLOSELOOP_SOURCES: ' Typeform, delighted ,', CLOSELOOP_ALLOW_UNSIGNED: 'generic' }).config).toMatchObject({ CLOSELOOP_SOURCES: ['typeform', 'delighted'], CLOSELOOP_ALLOW_UNSIGNED: ['generic'] });
    expect(problem({ CLOSELOOP_SOURCES: 'typeform,typefrom' })).toEqual([{ field: 'CLOSELOOP_SOURCES', message: expect.stringMatching(/^"typefrom" is not a source \(known: generic, typeform, /) }]);
    expect(problem({ CLOSELOOP_ALLOW_UNSIGNED: 'zendesk' })).toEqual([{ field: 'CLOSELOOP_ALLOW_UNSIGNED', message: expect.stringMatching(/^"zendesk" is not a source/) }]);
    expect(problem({ CLOSELOOP_SOURCES: ' , ' })).toEqual([{ field: 'CLOSELOOP_SOURCES', message: 'must name at least one source' }]);
  });

  it('refuses a generic secret that is not a Standard Webhooks secret, instead of answering 500 later', () => {
    const issues = problem({ GENERIC_WEBHOOK_SECRET: 'not base64 !!' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('GENERIC_WEBHOOK_SECRET');
    expect(issues[0]!.message).toMatch(/^must be a Standard Webhooks secret: whsec_ followed by base64/);
    expect(() => loadHubConfig({ GENERIC_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })).not.toThrow();
  });
});

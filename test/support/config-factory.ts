import type { ConfigInput } from '../../shared/config/schema';

/** A minimal valid config as plain data; override any section. */
export function makeConfigInput(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    bot: 'support-bot',
    databases: {
      production: { url: 'postgres://u:p@127.0.0.1:5432/support' },
      staging: { url: 'postgres://u:p@127.0.0.1:5432/support_staging' },
    },
    anonymize: { tables: { 'public.users': { columns: { id: 'keep', email: 'email' } } } },
    ...overrides,
  };
}

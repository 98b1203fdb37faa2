import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { configJsonSchema } from '../../../shared/config/schema';

describe('docs/rehearsal.config.schema.json', () => {
  it('is the JSON Schema the config schema generates today (regenerate with npm run schema)', async () => {
    const committed = JSON.parse(await readFile(path.join(__dirname, '../../../docs/rehearsal.config.schema.json'), 'utf8')) as unknown;

    expect(committed).toEqual(configJsonSchema());
  });
});

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, EnvironmentError } from '../../../../shared/errors';
import { envFileSource, formatEnvValue, parseEnvFile } from '../../../../shared/parity/sources/env-file';
import { jsonFileSource } from '../../../../shared/parity/sources/json-file';

const tempFile = async (name: string, text: string): Promise<string> => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'parity-')), name);
  await writeFile(file, text);
  return file;
};

describe('parseEnvFile', () => {
  it('reads plain, exported, quoted and commented lines', () => {
    const values = parseEnvFile(['# comment', 'A=1', 'export B = two words # note', 'C="x \\"y\\"\\nz"', "D='$raw'", '', 'E='].join('\n'), '.env');

    expect([...values]).toEqual([['A', '1'], ['B', 'two words'], ['C', 'x "y"\nz'], ['D', '$raw'], ['E', '']]);
  });

  it('rejects a malformed line with its file and line and without echoing it', () => {
    const act = () => parseEnvFile('A=1\nthis is not a pair sk-secret\n', 'staging.env');

    expect(act).toThrow(ConfigError);
    expect(act).toThrow('staging.env:2: (top level): expected KEY=value, a # comment or a blank line');
    expect(act).not.toThrow(/sk-secret/);
  });

  it('formats values so they read back unchanged', () => {
    for (const value of ['plain', 'with space', 'quote " and \\ slash', 'line\nbreak', '']) {
      expect(parseEnvFile(`K=${formatEnvValue(value)}`, 'f').get('K')).toBe(value);
    }
  });
});

describe('envFileSource', () => {
  it('writes changed keys in place, keeps comments and appends new keys', async () => {
    // Prepare
    const file = await tempFile('staging.env', '# staging\nexport DB_HOST=old\nAPI_KEY=mine\n');
    const source = envFileSource(file);

    // Act
    await source.write(new Map([['DB_HOST', 'db.internal'], ['MODE', 'a b']]));

    // Assert
    expect(await readFile(file, 'utf8')).toBe('# staging\nexport DB_HOST=db.internal\nAPI_KEY=mine\nMODE="a b"\n');
    expect([...(await source.read())]).toEqual([['DB_HOST', 'db.internal'], ['API_KEY', 'mine'], ['MODE', 'a b']]);
  });

  it('throws an EnvironmentError naming a missing file', async () => {
    await expect(envFileSource('/nonexistent/staging.env').read()).rejects.toThrow(EnvironmentError);
  });
});

describe('jsonFileSource', () => {
  it('flattens nested objects with dots and writes back at the nested path', async () => {
    // Prepare
    const file = await tempFile('staging.json', JSON.stringify({ db: { host: 'old', port: 5432 }, flags: ['a'], 'key.with.dots': 'k' }));
    const source = jsonFileSource(file);

    // Act
    const before = await source.read();
    await source.write(new Map([['db.host', 'db.internal'], ['key.with.dots', 'k2'], ['NEW', 'n']]));

    // Assert
    expect([...before]).toEqual([['db.host', 'old'], ['db.port', '5432'], ['flags', '["a"]'], ['key.with.dots', 'k']]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ db: { host: 'db.internal', port: 5432 }, flags: ['a'], 'key.with.dots': 'k2', NEW: 'n' });
  });

  it('rejects a file that is not a JSON object', async () => {
    const file = await tempFile('bad.json', '[1, 2]');

    await expect(jsonFileSource(file).read()).rejects.toThrow(`${file}: (top level): expected a JSON object of keys and values`);
  });
});

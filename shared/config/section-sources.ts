import type { LineLocator } from './problems';

/** Where a section of a loaded config came from: its file, a locator over the file's lines, and its key. */
export interface ConfigSectionSource {
  readonly file: string;
  readonly locate: LineLocator;
  /** The section's path in the document, e.g. `['anonymize']`. */
  readonly prefix: readonly string[];
}

/** Keyed by the section objects themselves: they stay the same objects however the config is passed on (spread, put in a context). */
const sectionSources = new WeakMap<object, ConfigSectionSource>();

/**
 * Remembers, for each object section of `config` (`anonymize`, `converse`...), the file it came from and
 * how to find a path's line in it, so a problem found later (a rule that does not fit the database)
 * still names `file:line`. Called by `loadConfig` (a YAML file) and by the Lambdas' bundled config
 * loader (the YAML's line map bundled at synth). Free of any YAML parser: the Lambdas import it.
 */
export function rememberConfigSections(config: object, file: string, locate: LineLocator): void {
  for (const [key, section] of Object.entries(config)) {
    if (section !== null && typeof section === 'object') sectionSources.set(section as object, { file, locate, prefix: [key] });
  }
}

/**
 * The file and line locator of a section of a config registered by {@link rememberConfigSections}
 * (e.g. `config.anonymize`); `undefined` for a config that came from nowhere known (a test's object,
 * a bundled config without its line map).
 */
export function configSectionSource(section: object): ConfigSectionSource | undefined {
  return sectionSources.get(section);
}

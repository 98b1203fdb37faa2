/** The file the CDK app bundles next to every handler: the validated config as JSON (ids and ARNs only). */
export const BUNDLED_CONFIG_FILE = 'rehearsal.config.json';

/** The folder, inside a function's bundle, holding the files the config names (convos, connector, CSV data) with their layout. */
export const BUNDLED_FILES_DIR = 'rehearsal-files';

/** Set on functions bundled with {@link BUNDLED_FILES_DIR}: the config's folder inside the bundle, relative to the task root (the phases' `baseDir`). */
export const BASE_DIR_ENV = 'REHEARSAL_BASE_DIR';

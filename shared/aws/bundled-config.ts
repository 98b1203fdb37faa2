/** The file the CDK app bundles next to every handler: the validated config as JSON (ids and ARNs only). */
export const BUNDLED_CONFIG_FILE = 'rehearsal.config.json';

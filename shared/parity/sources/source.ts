/**
 * One place config keys live (an env file, a JSON file, SSM Parameter Store, Secrets Manager, a Lambda
 * function's environment). Reading and writing go through the same object, so `--apply` fixes staging
 * exactly where the comparison read it.
 */
export interface ConfigSource {
  /** Where the keys are, for messages: `env file staging.env`, `SSM path /bot/staging/`. Never a value. */
  readonly description: string;
  /** Every key with its value. Unreachable: an EnvironmentError naming the source. Malformed: a ConfigError. */
  read(): Promise<Map<string, string>>;
  /** Sets keys to values, leaving every other key as it is. */
  write(changes: ReadonlyMap<string, string>): Promise<void>;
}

import type { Config } from '../config/schema';
import type { DatabaseProvider } from '../db/provider';
import { AuroraClusterProvider } from './aurora-cluster-provider';
import type { DatabaseClients } from './clients';
import { RdsInstanceProvider } from './rds-instance-provider';
import { awsDeployment, productionIdentifier } from './resources';
import type { ManagedDatabase } from './swap';

/** The AWS database provider the config names (`rds-instance` or `aurora-cluster`), over the given clients. */
export function awsDatabaseProvider(config: Config, clients: DatabaseClients): DatabaseProvider & ManagedDatabase {
  const { production, staging } = awsDeployment(config);
  const common = { bot: config.bot, productionIdentifier: productionIdentifier(production), clients };
  return staging.provider === 'rds-instance'
    ? new RdsInstanceProvider({ ...common, staging })
    : new AuroraClusterProvider({ ...common, staging });
}

import { ProductionWriteBlockedError } from '../errors';

/**
 * Guards every statement that changes a database on a local server: it names the database it touches,
 * and the guard refuses production's name, whatever the caller believed. Production may only be read
 * (and, in AWS, snapshotted).
 */
export class LocalProductionGuard {
  constructor(private readonly productionDatabase: string) {}

  /** Throws {@link ProductionWriteBlockedError} when `database` is production. */
  assertWritable(database: string, action: string): void {
    if (database === this.productionDatabase) {
      throw new ProductionWriteBlockedError(
        `refused to ${action} database "${database}": it is the production database. rehearsal never modifies production.`,
      );
    }
  }
}

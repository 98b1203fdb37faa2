import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { describeError, EnvironmentError } from '../errors';
import { metricDatumSchema, type MetricDatum } from '../metrics/recorder';
import type { PhaseName, PhaseResult } from '../pipeline/report';
import { reportKey } from '../report/s3-upload';

/**
 * What a phase Lambda leaves for publish beside the execution document: the outcome's `details` (too
 * big for Step Functions' 256 KB state) and the metrics it recorded (each Lambda has its own recorder).
 * Details are value-free by the PhaseOutcome contract (counts, keys, fingerprints, anonymized
 * transcripts), so the record holds no secret and no production personal value either.
 */
export interface PhaseRecord {
  readonly phase: PhaseName;
  readonly details?: unknown;
  readonly metrics: readonly MetricDatum[];
}

const phaseRecordSchema = z.object({ phase: z.string(), details: z.unknown().optional(), metrics: z.array(metricDatumSchema) });

/** The folder of phase records inside a run's report folder; the IAM grants use the same pattern (`*\/phases/*`). */
export const PHASE_RECORDS_FOLDER = 'phases';

/** `<bot>/<runId>/phases/<phase>.json`: derived from the run, so the execution document carries no key. */
export function phaseRecordKey(bot: string, runId: string, phase: PhaseName): string {
  return reportKey(bot, runId, `${PHASE_RECORDS_FOLDER}/${phase}.json`);
}

/** Writes and reads phase records in the reports bucket. */
export interface PhaseRecordStore {
  /** Stores one phase's record; a refused write is an {@link EnvironmentError} naming the object. */
  write(bot: string, runId: string, record: PhaseRecord): Promise<string>;
  /** Reads the records of these phases; a missing or unreadable one is a warning, never an error. */
  readAll(bot: string, runId: string, phases: readonly PhaseName[]): Promise<{ records: PhaseRecord[]; warnings: string[] }>;
}

/** A {@link PhaseRecordStore} over the reports bucket; the client is injected (guarded by the caller). */
export function s3PhaseRecordStore(s3: Pick<S3Client, 'send'>, bucket: string): PhaseRecordStore {
  return {
    async write(bot, runId, record) {
      const key = phaseRecordKey(bot, runId, record.phase);
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record), ContentType: 'application/json' }));
      } catch (cause) {
        throw new EnvironmentError(`cannot store the ${record.phase} phase's details at s3://${bucket}/${key}: ${(cause as Error).name}`, { cause });
      }
      return key;
    },
    async readAll(bot, runId, phases) {
      const records: PhaseRecord[] = [];
      const warnings: string[] = [];
      for (const phase of phases) {
        const key = phaseRecordKey(bot, runId, phase);
        try {
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const parsed = phaseRecordSchema.safeParse(JSON.parse((await object.Body?.transformToString('utf8')) ?? ''));
          if (!parsed.success || parsed.data.phase !== phase) {
            warnings.push(`the ${phase} phase's details at s3://${bucket}/${key} are not a phase record: left out of the report`);
            continue;
          }
          records.push({ phase, metrics: parsed.data.metrics as MetricDatum[], ...(parsed.data.details === undefined ? {} : { details: parsed.data.details }) });
        } catch (error) {
          warnings.push((error as Error).name === 'NoSuchKey'
            ? `no details stored for the ${phase} phase (s3://${bucket}/${key}): its report sections show figures only`
            : `the ${phase} phase's details not read from s3://${bucket}/${key}: ${(error as Error).name}: ${describeError(error)}`);
        }
      }
      return { records, warnings };
    },
  };
}

/** The results with each phase's stored details put back, as the local runner has them. */
export function withStoredDetails(results: readonly PhaseResult[], records: readonly PhaseRecord[]): PhaseResult[] {
  const byPhase = new Map(records.map((record) => [record.phase, record]));
  return results.map((result) => {
    const record = byPhase.get(result.name);
    return record && record.details !== undefined && result.details === undefined ? { ...result, details: record.details } : result;
  });
}

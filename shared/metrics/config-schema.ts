import { z } from 'zod';
import { durationSchema } from '../util/duration';

/**
 * Where the staging bot writes its own log, so publish can count its error lines in the check window:
 * a local file of JSON lines (the example bot) or a CloudWatch Logs group.
 */
const stagingLogSchema = z.union([
  z.object({
    /** JSON-lines log file, relative to the config file; a line with `"level":"error"` counts. */
    file: z.string().min(1),
  }).strict(),
  z.object({
    logGroup: z.string().min(1).max(512),
    /** CloudWatch Logs filter pattern selecting error lines. */
    filterPattern: z.string().default('{ $.level = "error" }'),
  }).strict(),
]);
export type StagingLogConfig = z.infer<typeof stagingLogSchema>;

/**
 * Who on-call is and how alarms reach them (used by the CDK stack): email addresses, an optional HTTPS
 * endpoint (PagerDuty, Opsgenie), optional Slack through AWS Chatbot, and the staleness window.
 */
export const notificationsSchema = z
  .object({
    emails: z.array(z.email({ error: (issue) => `invalid email address ${JSON.stringify(issue.input)}` })).default([]),
    httpsEndpoint: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).optional(),
    slack: z.object({ workspaceId: z.string().min(1), channelId: z.string().min(1) }).strict().optional(),
    /** No successful refresh for this long raises the staleness alarm. */
    staleAfter: durationSchema.default(26 * 3_600_000),
    /** Where run reports are (the S3 console or a website); alarm runbooks link to it. */
    reportBaseUrl: z.url().optional(),
  })
  .strict();
export type NotificationsConfig = z.infer<typeof notificationsSchema>;

/** The `metrics` section: where metrics go, where staging's own error log is, and who gets the alarms. */
export const metricsSchema = z
  .object({
    namespace: z.string().min(1).max(255).default('Rehearsal'),
    stagingLog: stagingLogSchema.optional(),
    notifications: notificationsSchema.optional(),
  })
  .strict()
  .default({ namespace: 'Rehearsal' });
export type MetricsConfig = z.infer<typeof metricsSchema>;

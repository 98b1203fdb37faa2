import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal, ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaFunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { stagingIdentifier, type AwsDeployment } from '../../shared/aws/resources';
import type { Config } from '../../shared/config/schema';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import type { PhaseName } from '../../shared/pipeline/report';
import { DatabaseAccess, ProductionDenyPolicy } from './database-access';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { LoadFanOut } from './load-fan-out';
import { grantParityReads } from './parity-access';
import { grantPhaseRecordWrites, grantPublish, REPORTS_BUCKET_ENV } from './publish-access';
import { RehearsalFunction } from './rehearsal-function';
import { stagePhaseFiles } from './convo-bundle-phases';
import { writeBundledConfig } from './bundled-config-files';
import { buildDefinition, stateNameOf } from './state-machine-definition';
import { StagingHistoryDenyPolicy } from './staging-history-deny';
import { RehearsalTriggers } from './triggers';

/** Props of {@link RehearsalPipeline}. */
export interface RehearsalPipelineProps {
  /** The validated config (its `aws` section and AWS database providers are required: see `validateDeployment`). */
  readonly config: Config;
  readonly deployment: AwsDeployment;
  /**
   * The file the config was read from: the files the config names resolve against its folder and are
   * bundled with the functions that read them (see `stagePhaseFiles`): the converse and load sections'
   * files (convos, connector, CSV data) with converse and load, the parity section's env and JSON files
   * with reconcile. Required when the config names any (synth fails with ConfigError otherwise, or when
   * a file is missing). Its line map is bundled beside the config (see `writeBundledConfig`), so rule
   * problems found in the Lambdas name `rehearsal.config.yaml:<line>`; without it they name the path only.
   */
  readonly configPath?: string;
  /** Where a failed refresh is announced. @default no notification (the failure metric is still recorded) */
  readonly onCallTopic?: ITopic;
  /** Where the publish phase uploads run reports (the observability construct's `reportsBucket`). @default reports stay in the function's /tmp */
  readonly reportsBucket?: IBucket;
}

/** Phases that need the masking key; only their functions may read its secret. */
const MASKING_PHASES: ReadonlySet<PhaseName> = new Set(['anonymize', 'verify']);
/** Phases that create, change or connect to rehearsal's databases: the only ones with RDS permissions. */
const DATABASE_PHASES: ReadonlySet<PhaseName> = new Set(['snapshot', 'restore', 'anonymize', 'verify', 'promote']);
/** Phases that may run long (batches of rows, conversations, load): the Lambda maximum. */
const LONG_PHASES: ReadonlySet<PhaseName> = new Set(['anonymize', 'verify', 'converse', 'load']);
const RETENTION: Record<number, RetentionDays> = { 7: RetentionDays.ONE_WEEK, 14: RetentionDays.TWO_WEEKS, 30: RetentionDays.ONE_MONTH, 90: RetentionDays.THREE_MONTHS, 365: RetentionDays.ONE_YEAR };

/**
 * Everything a refresh needs in one account: a Lambda per phase of the phase table (inside the VPC),
 * the Standard state machine built from the same table, the triggers (EventBridge rules), the lock
 * table for idempotency and serialisation, the masking key secret, and an explicit IAM Deny on
 * production for every function.
 */
export class RehearsalPipeline extends Construct {
  readonly stateMachine: StateMachine;
  readonly lockTable: TableV2;
  readonly maskingKey: ISecret | Secret;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly triggers: RehearsalTriggers;
  readonly productionDeny: ProductionDenyPolicy;
  /** For people's roles, never the functions': no point-in-time restore of staging's history, no use of rehearsal's snapshots of production. */
  readonly stagingHistoryDeny: StagingHistoryDenyPolicy;
  /** The role of the check phases (reconcile, converse, load, publish): add the grants their config sources need. */
  readonly checksRole: Role;

  constructor(scope: Construct, id: string, props: RehearsalPipelineProps) {
    super(scope, id);
    const { config, deployment } = props;
    const { aws } = deployment;
    const stateMachineName = stateMachineNameFor(config);
    const stateMachineArn = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const runTimeout = Duration.hours(aws.runTimeoutHours);
    const logRetention = RETENTION[aws.logRetentionDays] ?? RetentionDays.ONE_MONTH;
    const configFile = writeBundledConfig(config, props.configPath);
    const phaseFiles = stagePhaseFiles(config, props.configPath);

    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: aws.network.vpcId, availabilityZones: [...aws.network.availabilityZones], privateSubnetIds: [...aws.network.subnetIds] });
    Validations.of(vpc).acknowledge({ id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId', reason: 'The subnets only place the Lambdas; nothing in the stack reads or changes their route tables.' });
    const securityGroups = aws.network.securityGroupIds.map((sg, index) => SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index + 1}`, sg, { mutable: false }));
    const network = { vpc, subnets: { subnets: vpc.privateSubnets }, securityGroups };

    this.productionDeny = new ProductionDenyPolicy(this, 'ProductionDeny', deployment);
    this.stagingHistoryDeny = new StagingHistoryDenyPolicy(this, 'StagingHistoryDeny', deployment);
    this.maskingKey = aws.maskingKeySecretArn
      ? Secret.fromSecretCompleteArn(this, 'MaskingKey', aws.maskingKeySecretArn)
      : new Secret(this, 'MaskingKey', { description: `rehearsal masking key for ${config.bot}: changing it changes every pseudonym`, generateSecretString: { passwordLength: 48, excludePunctuation: true } });

    const databaseRole = new Role(this, 'DatabaseRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'rehearsal phase functions: snapshot production, manage candidates, swap staging',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'), this.productionDeny],
    });
    new DatabaseAccess(this, 'DatabaseAccess', databaseRole, deployment);
    // The checks after the swap talk to the staging bot, not to RDS: they get no database permissions.
    this.checksRole = new Role(this, 'ChecksRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'rehearsal check functions (reconcile, converse, load, publish): network access only; grant what their sources need',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'), this.productionDeny],
    });
    const reconcileRole = new Role(this, 'ReconcileRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'rehearsal reconcile function: reads the config sources of the parity section, never writes them',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'), this.productionDeny],
    });
    const parityPatterns = grantParityReads(reconcileRole, config, aws);
    // Publish alone writes reports and reads staging's metrics and log: the other checks get neither.
    const publishRole = new Role(this, 'PublishRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: "rehearsal publish function: puts run reports in the reports bucket, reads staging's resource metrics and error log",
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'), this.productionDeny],
    });

    const functions: Record<string, IFunction> = {};
    const phases = {} as Record<PhaseName, IFunction>;
    for (const phase of PHASE_TABLE) {
      const name = stateNameOf(phase.name) as Capitalize<PhaseName>;
      const fn = new RehearsalFunction(this, name, {
        name,
        configFile,
        ...(phaseFiles[phase.name] ? { files: phaseFiles[phase.name] } : {}),
        logRetention,
        network,
        role: DATABASE_PHASES.has(phase.name) ? databaseRole : phase.name === 'reconcile' ? reconcileRole : phase.name === 'publish' ? publishRole : this.checksRole,
        timeout: LONG_PHASES.has(phase.name) ? Duration.minutes(15) : Duration.minutes(2),
        memorySize: LONG_PHASES.has(phase.name) ? 1536 : 512,
        environment: { PHASE_TIMEOUT_MS: String(phase.timeoutMs), ...(MASKING_PHASES.has(phase.name) ? { MASKING_KEY_SECRET_ARN: this.maskingKey.secretArn } : {}), ...(props.reportsBucket ? { [REPORTS_BUCKET_ENV]: props.reportsBucket.bucketName } : {}) },
      }).function;
      if (MASKING_PHASES.has(phase.name)) this.maskingKey.grantRead(fn);
      if (phase.name === 'publish') grantPublish(fn, publishRole, config, aws, props.reportsBucket);
      // Every other phase leaves its details and metrics for publish's report (publish may already put anywhere).
      else if (props.reportsBucket) grantPhaseRecordWrites(fn, props.reportsBucket);
      phases[phase.name] = fn;
      functions[name] = fn;
    }
    const settle = new RehearsalFunction(this, 'Settle', { name: 'Settle', configFile, logRetention, network, role: databaseRole, timeout: Duration.minutes(5) }).function;
    // The load phase fans out over worker Lambdas (a Map state); the Load function plans, LoadMerge merges.
    const loadFanOut = new LoadFanOut(this, 'LoadFanOut', { configFile, logRetention, network, productionDeny: this.productionDeny, phaseTimeoutMs: loadTimeoutMs(), ...(props.reportsBucket ? { reportsBucket: props.reportsBucket } : {}) });
    functions['LoadWorker'] = loadFanOut.worker;
    functions['LoadMerge'] = loadFanOut.merge;

    this.lockTable = new TableV2(this, 'RunLock', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    const controlEnvironment = { RUN_LOCK_TABLE: this.lockTable.tableName, STATE_MACHINE_ARN: stateMachineArn, RUN_TIMEOUT_MS: String(runTimeout.toMilliseconds()) };
    const control = (name: 'Trigger' | 'Finish'): IFunction => {
      const fn = new RehearsalFunction(this, name, { name, configFile, logRetention, environment: controlEnvironment }).function;
      fn.role?.addManagedPolicy(this.productionDeny);
      this.lockTable.grantReadWriteData(fn);
      return fn;
    };
    const trigger = control('Trigger');
    const finish = control('Finish');
    functions['Settle'] = settle;
    functions['Trigger'] = trigger;
    functions['Finish'] = finish;
    this.functions = functions;

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(buildDefinition(new Construct(this, 'Definition'), PHASE_TABLE, { phases, settle, finish, loadFanOut }, props.onCallTopic)),
      timeout: runTimeout,
      tracingEnabled: true,
      logs: { destination: new LogGroup(this, 'StateMachineLogs', { retention: logRetention }), level: LogLevel.ALL, includeExecutionData: false },
    });
    this.stateMachine.grantStartExecution(trigger);
    // Finish starts the next run of this same state machine: a grant on the object would be a dependency cycle.
    finish.addToRolePolicy(new PolicyStatement({ sid: 'StartPendingRefresh', actions: ['states:StartExecution'], resources: [stateMachineArn] }));

    this.triggers = new RehearsalTriggers(this, 'Triggers', trigger, aws.triggers);

    // The failure path for runs that never reach Finish (run timeout, a person stopping the execution).
    // Its own role: a grant on the state machine in the phases' role would be a dependency cycle.
    // A rename rollback waits on RDS renames (minutes each): the reaper waits while it has time, then Lambda's retry resumes it.
    const reaperTimeout = Duration.minutes(deployment.staging.swap.mode === 'rename' ? 15 : 5);
    const reaper = new RehearsalFunction(this, 'Reaper', { name: 'Reaper', configFile, logRetention, timeout: reaperTimeout, environment: controlEnvironment }).function;
    if (reaper.role) {
      reaper.role.addManagedPolicy(this.productionDeny);
      new DatabaseAccess(this, 'ReaperDatabaseAccess', reaper.role, deployment);
    }
    this.lockTable.grantReadWriteData(reaper);
    this.stateMachine.grantStartExecution(reaper);
    new Rule(this, 'ReapUnfinishedRuns', {
      description: 'rehearsal: settle staging after a run timed out or was stopped before its Finish state',
      eventPattern: { source: ['aws.states'], detailType: ['Step Functions Execution Status Change'], detail: { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] } },
      targets: [new LambdaFunctionTarget(reaper, { deadLetterQueue: this.triggers.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(12) })],
    });
    functions['Reaper'] = reaper;

    const account = `arn:aws:rds:${aws.region}:${aws.account}`;
    const prefix = deployment.staging.candidatePrefix.toLowerCase();
    const cluster = deployment.staging.provider === 'aurora-cluster';
    acknowledgeNagFindings({
      pipeline: this,
      databaseRoles: [databaseRole, ...(reaper.role ? [reaper.role] : [])],
      checksRole: this.checksRole,
      publishRole,
      reconcileRole,
      parityPatterns,
      controlFunctions: [trigger, finish, reaper],
      stateMachineRole: this.stateMachine.role,
      invokedFunctions: [...Object.values(phases), settle, finish, loadFanOut.worker, loadFanOut.merge],
      deadLetterQueue: this.triggers.deadLetterQueue,
      ...(this.maskingKey instanceof Secret ? { maskingKey: this.maskingKey } : {}),
      managedResourcePatterns: [
        `${account}:${cluster ? 'cluster-snapshot' : 'snapshot'}:${prefix}-snap-*`,
        `${account}:db:${prefix}-*`,
        ...(cluster ? [`${account}:cluster:${prefix}-*`, `${account}:db:${stagingIdentifier(deployment.staging).toLowerCase()}-*`] : []),
        ...(deployment.staging.swap.mode === 'dns' ? ['arn:aws:route53:::change/*'] : [`${account}:${cluster ? 'cluster' : 'db'}:${stagingIdentifier(deployment.staging).toLowerCase()}-previous-*`]),
        `arn:aws:secretsmanager:${aws.region}:${aws.account}:secret:rds!*`,
      ],
    });
  }
}

/**
 * The state machine's name, fixed by the config: constructs built before the pipeline (the
 * observability alarms) can import it with `StateMachine.fromStateMachineName` and pass their topic in.
 */
export function stateMachineNameFor(config: Pick<Config, 'bot' | 'environment'>): string {
  return `rehearsal-${config.bot}-${config.environment}`.slice(0, 80);
}

/** The load row's timeout: the merge step records the load phase's result as the phase Lambda does. */
function loadTimeoutMs(): number {
  const row = PHASE_TABLE.find((phase) => phase.name === 'load');
  if (!row) throw new Error('the phase table has no load row');
  return row.timeoutMs;
}

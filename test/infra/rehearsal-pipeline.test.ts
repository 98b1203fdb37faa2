import { Match } from 'aws-cdk-lib/assertions';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import { LAMBDA_SERVICE_ERRORS, MAX_POLLS_PER_PHASE, stateNameOf } from '../../infra/pipeline/state-machine-definition';
import { MAX_MAP_WORKERS } from '../../shared/aws/load-plan-schema';
import { auroraConfig, awsConfigInput, awsInput, KMS_KEY, parityConfig, parseConfig, rdsConfig, rdsStagingInput } from '../shared/aws/factories';
import { definitionOf, synthStack } from './synth';

const { template } = synthStack(rdsConfig());
const definition = definitionOf(template);
const states = definition.States;

describe('the state machine built from the phase table', () => {
  it('runs the table in its order: the checks, Settle before the first final phase, then Finish', () => {
    // Prepare: follow the path a passing run takes (each Choice's default).
    const visited: string[] = [];
    let name: string | undefined = definition.StartAt;

    // Act
    while (name && !visited.includes(name)) {
      const state: Record<string, unknown> | undefined = states[name];
      if (state?.['Type'] === 'Task') visited.push(name);
      name = (state?.['Type'] === 'Choice' ? state['Default'] : state?.['Next']) as string | undefined;
    }

    // Assert
    const firstFinal = PHASE_TABLE.findIndex((phase) => phase.final);
    const expected = [...PHASE_TABLE.slice(0, firstFinal).map((p) => stateNameOf(p.name)), 'Settle', ...PHASE_TABLE.slice(firstFinal).map((p) => stateNameOf(p.name)), 'Finish'];
    // After Finish, the default of "Run Passed?" is the failure path (notify on-call): the passing run ends there.
    expect(visited.slice(0, visited.indexOf('Finish') + 1)).toEqual(expected);
  });

  it.each(PHASE_TABLE.map((phase) => [phase.name, phase] as const))("gives %s the table's retry policy, failure path and pending loop", (_name, phase) => {
    const name = stateNameOf(phase.name);
    const task = states[name] as { Retry: unknown[]; Catch: { ErrorEquals: string[]; Next: string }[]; Comment: string };
    const afterStop = phase.final ? 'Finish' : 'Settle';
    const index = PHASE_TABLE.indexOf(phase);
    const following = PHASE_TABLE[index + 1];
    const next = following ? (following.final && !phase.final ? 'Settle' : stateNameOf(following.name)) : 'Finish';

    const tableRetry = phase.retry.errors.length > 0 && phase.retry.maxAttempts > 1
      ? [{ ErrorEquals: [...phase.retry.errors], MaxAttempts: phase.retry.maxAttempts - 1, IntervalSeconds: Math.max(1, Math.round(phase.retry.intervalMs / 1000)), BackoffRate: phase.retry.backoffRate }]
      : [];
    expect(task.Retry).toEqual([...tableRetry, { ErrorEquals: LAMBDA_SERVICE_ERRORS, MaxAttempts: 6, IntervalSeconds: 2, BackoffRate: 2 }]);
    expect(task.Comment).toBe(phase.description);
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `${name} Failed` }]);
    expect(states[`${name} Failed`]?.['Next']).toBe(phase.onFailure === 'stop' ? afterStop : next);

    const done = states[`${name} Done?`] as { Choices: { Next: string }[]; Default: string };
    expect(done.Default).toBe(next);
    expect(done.Choices.map((choice) => choice.Next)).toEqual([`${name} Wait`, `${name} Timed Out`, ...(phase.onFailure === 'stop' ? [afterStop] : [])]);
    expect(JSON.stringify(done.Choices[0])).toContain(`"NumericLessThan":${MAX_POLLS_PER_PHASE}`);
    expect(states[`${name} Wait`]).toEqual({ Type: 'Wait', SecondsPath: '$.step.retryAfterSeconds', Next: name });
  });

  it('is a Standard workflow with a timeout, tracing and full logging', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: 'rehearsal-support-bot-staging',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    expect(definition).toMatchObject({ TimeoutSeconds: 12 * 3600 });
  });

  it("notifies on-call when a run fails (the stack passes the observability construct's topic)", () => {
    expect(states['Run Passed?']).toMatchObject({ Default: 'Notify On-Call' });
    expect(states['Notify On-Call']).toMatchObject({ Resource: 'arn:TOKEN:states:::sns:publish', Parameters: { TopicArn: 'TOKEN', 'Message.$': '$.summary' }, Next: 'Refresh Failed' });
  });
});

describe('the functions', () => {
  const functions = template.findResources('AWS::Lambda::Function');

  it("share the fixed defaults: nodejs22.x on arm64, tracing, source maps, an explicit log group, Amazon's CAs for RDS TLS", () => {
    // A Lambda per phase, Settle, Trigger, Finish, Reaper, and the load fan-out's worker and merge.
    expect(Object.keys(functions)).toHaveLength(15);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }) },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('give the masking key only to the functions that mask and verify', () => {
    const withKey = Object.entries(functions)
      .filter(([, fn]) => JSON.stringify(fn).includes('MASKING_KEY_SECRET_ARN'))
      .map(([id]) => id.replace(/^Pipeline|Function[0-9A-F]{8}$/g, ''));

    expect(withKey.sort()).toEqual(['Anonymize', 'Verify']);
  });

  it('pass each phase its timeout from the table', () => {
    for (const phase of PHASE_TABLE) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: `rehearsal ${phase.name}`,
        Environment: { Variables: Match.objectLike({ PHASE_TIMEOUT_MS: String(phase.timeoutMs) }) },
      });
    }
  });
});

describe('production is protected in IAM', () => {
  it('denies every action but describing and snapshotting on each production database, explicitly', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{
          Sid: 'NeverModifyProduction',
          Effect: 'Deny',
          NotAction: ['rds:Describe*', 'rds:List*', 'rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot'],
          Resource: [
            'arn:aws:rds:eu-west-1:123456789012:db:support-prod', 'arn:aws:rds:eu-west-1:123456789012:cluster:support-prod',
            'arn:aws:rds:eu-west-1:123456789012:db:support-prod-replica', 'arn:aws:rds:eu-west-1:123456789012:cluster:support-prod-replica',
          ],
        }],
      },
    });
  });

  it('attaches the Deny to the role of every function', () => {
    const [denyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'NeverModifyProduction' })]) } } }));
    const functionRoles = new Set(Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => JSON.stringify((fn['Properties'] as { Role: unknown }).Role)));
    const roles = template.findResources('AWS::IAM::Role');

    for (const roleRef of functionRoles) {
      const roleId = (JSON.parse(roleRef) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      expect(JSON.stringify(roles[roleId]?.['Properties'])).toContain(`{"Ref":"${denyId}"}`);
    }
    // The shared database, checks, reconcile and publish roles, the control functions' three, the load worker's and merge's.
    expect(functionRoles.size).toBe(9);
  });

  it('gives RDS permissions only to the phases that manage databases', () => {
    // Prepare: each phase function's role, and the roles any policy grants an RDS write to.
    const roleIdOf = (phase: string): string | undefined => {
      const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((resource) => (resource['Properties'] as { Description: string }).Description === `rehearsal ${phase}`);
      return (fn?.['Properties'] as { Role: { 'Fn::GetAtt': [string] } } | undefined)?.Role['Fn::GetAtt'][0];
    };
    const rdsWriters = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy).includes('rds:DeleteDBInstance'))
      .flatMap((policy) => (policy['Properties'] as { Roles: { Ref: string }[] }).Roles.map((role) => role.Ref));

    // Assert
    for (const phase of ['snapshot', 'restore', 'anonymize', 'verify', 'promote']) expect(rdsWriters).toContain(roleIdOf(phase));
    for (const phase of ['reconcile', 'converse', 'load', 'publish']) expect(rdsWriters).not.toContain(roleIdOf(phase));
  });

  it('names production in allow statements only to snapshot it', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    const statements = [...policies.matchAll(/\{"Action":(\[[^\]]*\]|"[^"]*"),"Effect":"Allow","Resource":(\[[^\]]*\]|"[^"]*")/g)];
    const onProduction = statements.filter(([, , resource]) => /:(db|cluster):support-prod"/.test(resource ?? ''));

    expect(onProduction.length).toBeGreaterThan(0);
    expect(new Set(onProduction.map(([, action]) => action))).toEqual(new Set(['"rds:CreateDBSnapshot"']));
  });
});

describe('application role secrets', () => {
  it("let the database phases stage and promote role passwords in staging's role secrets only, and deny any write to production's secrets", () => {
    // Prepare
    const roleSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
    const prodSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-prod/app-db-Zz98Yx';
    const withRoles = synthStack(parseConfig(awsConfigInput({ databases: {
      production: { provider: 'rds-instance', instanceIdentifier: 'support-prod', secretArns: [prodSecret] },
      staging: rdsStagingInput({ roles: [{ name: 'app_user', secretArn: roleSecret }] }),
    } as never }))).template;

    // Assert
    withRoles.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'StageRolePasswords', Effect: 'Allow', Resource: roleSecret,
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      })]) },
    });
    withRoles.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'NeverWriteProductionSecrets', Effect: 'Deny', Resource: prodSecret })]) },
    });
  });
});

describe('the DNS swap', () => {
  it('may read Route 53 changes, to wait until a record change is INSYNC', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'WaitForRecordChange', Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' })]) },
    });
  });
});

describe('rename swap mode', () => {
  it('may rename and delete staging, candidates and the parked staging database, and needs no Route 53 permission', () => {
    // Prepare
    const renamed = synthStack(rdsConfig({ swap: { mode: 'rename' } })).template;
    const policies = JSON.stringify(renamed.findResources('AWS::IAM::Policy'));

    // Assert
    renamed.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'RenameSwap', Effect: 'Allow', Action: ['rds:ModifyDBInstance', 'rds:DeleteDBInstance'],
        Resource: [
          'arn:aws:rds:eu-west-1:123456789012:db:rehearsal-support-*',
          'arn:aws:rds:eu-west-1:123456789012:db:support-staging',
          'arn:aws:rds:eu-west-1:123456789012:db:support-staging-previous-*',
        ],
      })]) },
    });
    expect(policies).not.toContain('route53:ChangeResourceRecordSets');
  });
});

describe('keys', () => {
  it("grants the use of production's storage key for restores when production is encrypted, and never a write on it", () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/9f8e7d6c-5b4a-3928-1716-a5b4c3d2e1f0';
    const encrypted = synthStack(parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod', kmsKeyId: key }, staging: rdsStagingInput() } as never }))).template;

    encrypted.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'], Effect: 'Allow', Resource: key }]) },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('9f8e7d6c');
  });

  it("lets the instance restore copy rehearsal's own snapshots into staging's key, and only those", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy['Properties'] as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement);
    const copying = statements.filter((statement) => [statement.Action].flat().includes('rds:CopyDBSnapshot'));

    // Assert: both roles that may copy (the database phases' and the reaper's) may copy only rehearsal's snapshots.
    expect(copying).toHaveLength(2);
    expect(new Set(copying.map((statement) => JSON.stringify(statement.Resource)))).toEqual(new Set(['"arn:aws:rds:eu-west-1:123456789012:snapshot:rehearsal-support-snap-*"']));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:DescribeKey', 'kms:CreateGrant']), Effect: 'Allow', Resource: KMS_KEY })]) },
    });
  });
});

describe('triggers and the lock', () => {
  it('listens for the configured pipeline and deployment group, custom deploy events and manual requests', () => {
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], detail: { pipeline: ['support-bot-release'], state: ['SUCCEEDED'] } } });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.codedeploy'], detail: { application: ['support-bot'], deploymentGroup: ['production'], state: ['SUCCESS'] } } });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['rehearsal.deploy'], 'detail-type': ['Deploy Completed'] } });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['rehearsal.deploy'], 'detail-type': ['Manual Refresh Requested'] } });
    const triggerRules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => !JSON.stringify(rule).includes('aws.states'));
    expect(triggerRules).toHaveLength(4);
    for (const rule of triggerRules) {
      expect((rule['Properties'] as { Targets: unknown[] }).Targets).toEqual([expect.objectContaining({ DeadLetterConfig: expect.anything(), RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 6 * 3600 } })]);
    }
  });

  it('adds the optional schedule, and leaves out what the config turns off', () => {
    const aws = awsInput({ triggers: { codePipelines: [], codeDeploy: [], customEvents: false, schedule: 'cron(0 3 ? * MON *)' } });
    const scheduled = synthStack(parseConfig(awsConfigInput({ aws }))).template;

    scheduled.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 ? * MON *)' });
    expect(Object.keys(scheduled.findResources('AWS::Events::Rule')).filter((id) => id.includes('Triggers'))).toHaveLength(2);
    expect(JSON.stringify(scheduled.findResources('AWS::Events::Rule'))).not.toMatch(/aws\.codepipeline|aws\.codedeploy|Deploy Completed/);
  });

  it('keeps the lock and deploy markers in a table with TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });
});

describe('the Aurora clone configuration', () => {
  it('allows cloning production, and nothing else on it', () => {
    const aurora = synthStack(auroraConfig({ method: 'clone' })).template;

    aurora.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', NotAction: ['rds:Describe*', 'rds:List*', 'rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot', 'rds:RestoreDBClusterToPointInTime'] })] },
    });
  });
});

describe('the reconcile phase', () => {
  it('may read the parity sources of production and staging, and write none of them', () => {
    const withParity = synthStack(parityConfig());
    const policies = JSON.stringify(withParity.template.findResources('AWS::IAM::Policy'));

    withParity.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        { Action: 'ssm:GetParametersByPath', Effect: 'Allow', Resource: ['arn:aws:ssm:eu-west-1:123456789012:parameter/support-bot/production', 'arn:aws:ssm:eu-west-1:123456789012:parameter/support-bot/production/*'], Sid: 'ReadProductionParameters' },
        { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-bot/staging/*', Sid: 'ReadStagingSecrets' },
      ]) },
    });
    expect(policies).not.toMatch(/ssm:PutParameter|secretsmanager:PutSecretValue"[^}]*support-bot\/staging|lambda:UpdateFunctionConfiguration/);
  });
});


describe('the reaper', () => {
  it('is called for runs of this state machine that timed out or were stopped', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: Match.stringLikeRegexp('PipelineStateMachine') }] } },
    });
  });
});

describe('the load fan-out', () => {
  const serviceRetry = { ErrorEquals: LAMBDA_SERVICE_ERRORS, MaxAttempts: 6, IntervalSeconds: 2, BackoffRate: 2 };
  const functionIdOf = (description: string): string | undefined => Object.entries(template.findResources('AWS::Lambda::Function'))
    .find(([, fn]) => (fn['Properties'] as { Description: string }).Description === description)?.[0];

  it('goes from the load plan to the Map state only when the plan step left a plan', () => {
    expect(states['Load']?.['Next']).toBe('Load Fan Out?');
    expect(states['Load Fan Out?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.loadPlan', IsPresent: true, Next: 'Load Workers' }], Default: 'Load Done?' });
  });

  it('runs every slice at once in a Map state, each worker getting the shared run, target and conversations with its own slice and result key', () => {
    const map = states['Load Workers'] as Record<string, unknown> & { ItemProcessor: { StartAt: string; States: Record<string, Record<string, unknown>> } };

    expect(map).toMatchObject({
      Type: 'Map', ItemsPath: '$.loadPlan.items', MaxConcurrency: MAX_MAP_WORKERS, ResultPath: '$.loadPlan.results', Next: 'Load Merge',
      ItemSelector: { 'runId.$': '$.loadPlan.runId', 'target.$': '$.loadPlan.target', 'convos.$': '$.loadPlan.convos', 'slice.$': '$$.Map.Item.Value.slice', 'resultKey.$': '$$.Map.Item.Value.resultKey' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Load Failed' }],
    });
    // An Inline Map state runs at most 40 iterations at once: every worker must run at the same time.
    expect(MAX_MAP_WORKERS).toBe(40);
    const worker = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(worker).toMatchObject({ Type: 'Task', Resource: 'arn:TOKEN:states:::lambda:invoke', Parameters: { 'Payload.$': '$' }, OutputPath: '$.Payload', End: true });
    expect(worker?.['Retry']).toEqual([serviceRetry]);
  });

  it('merges in its own step, which retries reading S3 and fails the phase like the phase Lambda does', () => {
    expect(states['Load Merge']).toMatchObject({
      Type: 'Task', Next: 'Load Next Step?', OutputPath: '$.Payload', Parameters: { Payload: { 'execution.$': '$', 'retryCount.$': '$$.State.RetryCount' } },
      Retry: [{ ErrorEquals: ['EnvironmentError'], MaxAttempts: 3, IntervalSeconds: 5, BackoffRate: 2 }, serviceRetry],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Load Failed' }],
    });
  });

  it('runs the workers again while the merge planned another stress rate, and otherwise goes on to Done?', () => {
    expect(states['Load Next Step?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.loadPlan', IsPresent: true, Next: 'Load Workers' }], Default: 'Load Done?' });
  });

  it('keeps worker results in an encrypted, TLS-only, private bucket that expires them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireLoadResults', Status: 'Enabled', ExpirationInDays: 7, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets the workers write and read results (a retried worker looks for its own) and the merge only read them, both told the bucket', () => {
    const bucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.includes('LoadFanOut'));
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((policy) => JSON.stringify(policy));
    const onBucket = policies.filter((policy) => policy.includes(`"${bucketId}"`));
    // The merge also puts the load phase's record in the reports bucket: only actions on the results bucket count here.
    const actionsOnResults = (policy: string | undefined): string[] => (JSON.parse(policy ?? '{}') as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
      .Properties.PolicyDocument.Statement.filter((statement) => JSON.stringify(statement.Resource).includes(`"${bucketId}"`)).flatMap((statement) => [statement.Action].flat());
    const workerPolicy = onBucket.find((policy) => actionsOnResults(policy).includes('s3:PutObject'));
    const mergePolicy = onBucket.find((policy) => policy !== workerPolicy);

    expect(onBucket).toHaveLength(2);
    expect(actionsOnResults(workerPolicy)).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*']));
    expect(actionsOnResults(workerPolicy)).not.toContain('s3:DeleteObject*');
    expect(actionsOnResults(mergePolicy)).toContain('s3:GetObject*');
    expect(actionsOnResults(mergePolicy)).not.toContain('s3:PutObject');
    for (const [description, extra] of [['rehearsal loadworker', {}], ['rehearsal loadmerge', { PHASE_TIMEOUT_MS: String(PHASE_TABLE.find((row) => row.name === 'load')?.timeoutMs) }]] as const) {
      expect(functionIdOf(description)).toBeDefined();
      template.hasResourceProperties('AWS::Lambda::Function', { Description: description, Environment: { Variables: Match.objectLike({ LOAD_RESULTS_BUCKET: { Ref: bucketId }, ...extra }) } });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'rehearsal loadworker', Timeout: 900, VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }) });
  });
});

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import path from 'node:path';
import { BASE_DIR_ENV, BUNDLED_FILES_DIR } from '../../shared/aws/bundled-config';
import { bundledConfigFiles } from './bundled-config-files';
import { BUNDLING, FUNCTION_ENTRIES, PROJECT_ROOT, type FunctionName } from './bundling';
import type { StagedFiles } from './convo-bundle';

/** Props of {@link RehearsalFunction}. */
export interface RehearsalFunctionProps {
  readonly name: FunctionName;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * The validated config as a JSON file, copied next to the handler (`rehearsal.config.json`), with
   * its YAML line map when one was written beside it (see `writeBundledConfig`).
   */
  readonly configFile: string;
  /**
   * Files the config names (conversations, connector, CSV data; see `stageConvoFiles`), copied into the
   * bundle under `rehearsal-files/` with their layout; the phase's `baseDir` becomes the config's folder
   * there. Only for the functions that read them. @default none
   */
  readonly files?: StagedFiles;
  readonly logRetention: RetentionDays;
  readonly environment?: Readonly<Record<string, string>>;
  /** Set for functions that reach the databases. */
  readonly network?: { readonly vpc: IVpc; readonly subnets: SubnetSelection; readonly securityGroups: ISecurityGroup[] };
  /** A role shared by functions with the same permissions. @default a role of its own */
  readonly role?: IRole;
}

/**
 * Every rehearsal Lambda, with fixed defaults: nodejs22.x on arm64, bundled by esbuild for node22 with
 * source maps (and `--enable-source-maps`), an explicit log group with retention, X-Ray tracing, and
 * the validated config bundled beside the handler. Construct ids are the function's name: stable.
 */
export class RehearsalFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: RehearsalFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const configFile = props.configFile;
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, FUNCTION_ENTRIES[props.name]),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.minutes(1),
      memorySize: props.memorySize ?? 512,
      tracing: Tracing.ACTIVE,
      logGroup,
      description: `rehearsal ${props.name.toLowerCase()}`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // Since nodejs20.x Lambda no longer trusts Amazon's CAs by default; the RDS certificates chain to them.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        POWERTOOLS_SERVICE_NAME: `rehearsal-${props.name.toLowerCase()}`,
        ...props.environment,
        ...(props.files ? { [BASE_DIR_ENV]: props.files.baseDir } : {}),
      },
      ...(props.role ? { role: props.role } : {}),
      ...(props.network ? { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: props.network.securityGroups } : {}),
      bundling: {
        target: BUNDLING.target,
        format: OutputFormat.CJS,
        minify: BUNDLING.minify,
        keepNames: BUNDLING.keepNames,
        sourceMap: BUNDLING.sourceMap,
        sourceMapMode: SourceMapMode.DEFAULT,
        externalModules: [...BUNDLING.externalModules],
        mainFields: [...BUNDLING.mainFields],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            // The esbuild CLI takes no plugins: rebuild the bundle in place with the same settings plus BUNDLING_PLUGINS.
            `node ${JSON.stringify(path.join(inputDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'))} ${JSON.stringify(path.join(inputDir, 'infra', 'pipeline', 'rebundle.ts'))} ${JSON.stringify(path.join(inputDir, FUNCTION_ENTRIES[props.name]))} ${JSON.stringify(path.join(outputDir, 'index.js'))}`,
            ...bundledConfigFiles(configFile).map(({ from, to }) => `cp ${JSON.stringify(from)} ${JSON.stringify(path.join(outputDir, to))}`),
            ...(props.files ? [`cp -R ${JSON.stringify(`${props.files.dir}/.`)} ${JSON.stringify(path.join(outputDir, BUNDLED_FILES_DIR))}`] : []),
          ],
        },
      },
    });
  }
}

import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsStep } from './aws-errors';
import { executionNameFor } from './deploy-events';
import type { ExecutionInput } from './execution';
import type { StartRun } from './trigger';

/**
 * Starts refreshes as executions of the state machine, named after the deploy: Step Functions refuses
 * a second execution with the same name, a last guard against starting one deploy twice.
 */
export function stateMachineStarter(sfn: SFNClient, stateMachineArn: string): StartRun {
  return async ({ runId, deployId, description }) => {
    const input: ExecutionInput = { runId, deployId, description, state: {}, results: {} };
    try {
      const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: executionNameFor(deployId), input: JSON.stringify(input) }));
      return started.executionArn ?? `${stateMachineArn}:${executionNameFor(deployId)}`;
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return false;
      return awsStep(`starting the refresh for ${deployId}`, () => Promise.reject(error));
    }
  };
}

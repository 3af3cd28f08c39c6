/**
 * CLI entry of the fleet stack (Pulumi.yaml `main`): `pulumi up` with the plan in stack config
 * `shadowscale:plan`. The Automation API runs stacks/program.ts inline instead.
 */
import * as pulumi from '@pulumi/pulumi';
import { CONFIG_NAMESPACE, programFromConfig } from './entry';

// The language host calls an exported function and uses its result as the stack outputs.
export = programFromConfig(new pulumi.Config(CONFIG_NAMESPACE));

/**
 * CLI entry of the control-plane stack (stacks/control-plane/Pulumi.yaml). Settings come from
 * one structured config value, e.g.
 *   pulumi config set --path controlPlane.project acme-ops
 *   pulumi config set --path controlPlane.image.digest sha256:...
 */
import * as pulumi from '@pulumi/pulumi';
import { controlPlaneProgram, type ControlPlaneArgs } from './program';

export = controlPlaneProgram(new pulumi.Config().requireObject<ControlPlaneArgs>('controlPlane'));

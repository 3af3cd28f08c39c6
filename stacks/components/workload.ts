/**
 * One workload's serving fleet: per generation an instance template, a MIG with a standby
 * pool, its autoscaler and its backend service; per workload one health check and a URL map
 * that splits traffic by weight (plus an optional HTTP frontend).
 *
 * Ownership (DESIGN "one owner for each number"): the autoscaler owns a MIG's running size, so
 * the MIG never sets targetSize and ignores changes to it; the plan's floor reaches GCP as
 * minReplicas and scalingSchedules. This component owns pool sizes, weights and generations.
 *
 * Every logical name derives from the workload and generation names only. The role
 * (primary/shadow) and state are deliberately kept out of names, labels and the parent chain,
 * so a promotion is an in-place update of weights and bounds, never a MIG replacement.
 *
 * Not declared here: the VPC firewall rule that admits Google's health-check and proxy ranges
 * (35.191.0.0/16, 130.211.0.0/22) to the serving port; it is per network, set up once.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import { plannedStatus, type GenerationPlan, type WorkloadPlan } from '../../automation/fleet-plan';
import { generationBaseName } from '../plan-check';
import type { GenerationOutput, WorkloadOutput } from '../output-types';

export const WORKLOAD_COMPONENT_TYPE = 'shadowscale:fleet:Workload';
/** Named port on every MIG; backend services send traffic to it. */
export const SERVING_PORT_NAME = 'http';

export interface WorkloadOptions {
  /** VPC network of the VMs, e.g. "default" or a self link. */
  network: string;
  /** Seconds a new VM needs before it serves: autohealing grace, and how long a pooled VM runs before it is suspended/stopped so it is pooled warm. */
  vmWarmupSec: number;
  /** Service account the VMs run as; omitted means the project's default compute account. */
  vmServiceAccountEmail?: string;
  /** Also create a target HTTP proxy and a global forwarding rule on port 80. */
  frontend: boolean;
  /** Extra labels on templates (lowercase keys and values). */
  labels: Record<string, string>;
}

/**
 * Content hash of every input of a template: templates are immutable, so any change replaces
 * the template, and the replacement (created before the old one is deleted) needs a new name.
 * An input left out here (labels were) replaces the template under the same name, which GCP
 * refuses as already existing.
 */
export function templateHash(g: GenerationPlan, opts: Pick<WorkloadOptions, 'network' | 'vmServiceAccountEmail' | 'labels'>): string {
  const t = g.instanceTemplate;
  const labels = Object.entries(opts.labels).sort(([a], [b]) => a.localeCompare(b));
  // Without labels the hash is the one earlier versions computed, so upgrading shadowscale does
  // not roll every template of a fleet that sets none.
  const inputs = [t.version, t.machineType, t.image, t.startupScript ?? null, opts.network, opts.vmServiceAccountEmail ?? null, ...(labels.length ? [labels] : [])];
  return createHash('sha256')
    .update(JSON.stringify(inputs))
    .digest('hex')
    .slice(0, 8);
}

/** Logical (URN) names: stable for the life of a generation. */
export const logicalNames = {
  healthCheck: (w: string) => `${w}-health`,
  urlMap: (w: string) => `${w}-urlmap`,
  proxy: (w: string) => `${w}-proxy`,
  forwardingRule: (w: string) => `${w}-rule`,
  template: (g: string) => `${g}-template`,
  mig: (g: string) => `${g}-mig`,
  autoscaler: (g: string) => `${g}-autoscaler`,
  backend: (g: string) => `${g}-backend`,
};

interface GenerationResources {
  plan: GenerationPlan;
  mig: gcp.compute.InstanceGroupManager | gcp.compute.RegionInstanceGroupManager;
  backend: gcp.compute.BackendService;
}

export class WorkloadFleet extends pulumi.ComponentResource {
  declare readonly urlMap: gcp.compute.URLMap;
  declare readonly outputs: pulumi.Output<WorkloadOutput>;

  constructor(plan: WorkloadPlan, opts: WorkloadOptions, resourceOpts?: pulumi.ComponentResourceOptions) {
    super(WORKLOAD_COMPONENT_TYPE, plan.workload, {}, resourceOpts);
    const w = plan.workload;
    const project = plan.project;
    const child: pulumi.CustomResourceOptions = { parent: this };

    const healthCheck = new gcp.compute.HealthCheck(logicalNames.healthCheck(w), {
      name: `${w}-health`,
      project,
      httpHealthCheck: { port: plan.port, requestPath: plan.healthCheckPath },
    }, child);

    const generations = [...plan.generations].sort((a, b) => a.name.localeCompare(b.name));
    const built: GenerationResources[] = generations.map((g) => this.generation(plan, g, healthCheck, opts));

    const mirrored = built.find((b) => b.plan.mirror && b.plan.state === 'warming');
    const urlMap = new gcp.compute.URLMap(logicalNames.urlMap(w), {
      name: `${w}-urlmap`,
      project,
      defaultRouteAction: {
        // Weight-0 generations stay listed (the API accepts 0..1000): moving traffic later is
        // then an update of numbers, and a standby backend is already known to the LB.
        weightedBackendServices: built.map((b) => ({ backendService: b.backend.id, weight: b.plan.weight })),
        ...(mirrored ? { requestMirrorPolicy: { backendService: mirrored.backend.id } } : {}),
      },
    }, child);
    this.urlMap = urlMap;

    if (opts.frontend) {
      const proxy = new gcp.compute.TargetHttpProxy(logicalNames.proxy(w), { name: `${w}-proxy`, project, urlMap: urlMap.id }, child);
      new gcp.compute.GlobalForwardingRule(logicalNames.forwardingRule(w), {
        name: `${w}-rule`,
        project,
        target: proxy.id,
        portRange: '80',
        ipProtocol: 'TCP',
        loadBalancingScheme: 'EXTERNAL_MANAGED',
      }, child);
    }

    this.outputs = pulumi.output({
      workload: w,
      urlMap: urlMap.name,
      generations: built.map((b) => generationOutput(b)),
    }) as pulumi.Output<WorkloadOutput>;
    this.registerOutputs({ outputs: this.outputs });
  }

  private generation(plan: WorkloadPlan, g: GenerationPlan, healthCheck: gcp.compute.HealthCheck, opts: WorkloadOptions): GenerationResources {
    const child: pulumi.CustomResourceOptions = { parent: this };
    const project = plan.project;
    const base = generationBaseName(plan.workload, g.name);

    const template = new gcp.compute.InstanceTemplate(logicalNames.template(g.name), {
      // The hash in the name lets Pulumi create the new template before deleting the old one.
      name: `${base}-${templateHash(g, opts)}`,
      project,
      machineType: g.instanceTemplate.machineType,
      disks: [{ sourceImage: g.instanceTemplate.image, boot: true, autoDelete: true }],
      networkInterfaces: [{ network: opts.network }],
      ...(g.instanceTemplate.startupScript !== undefined ? { metadata: { 'startup-script': g.instanceTemplate.startupScript } } : {}),
      ...(opts.vmServiceAccountEmail ? { serviceAccount: { email: opts.vmServiceAccountEmail, scopes: ['cloud-platform'] } } : {}),
      labels: { ...opts.labels, 'shadowscale-workload': plan.workload, 'shadowscale-generation': base },
      tags: [`shadowscale-${plan.workload}`],
    }, child);

    const migArgs = {
      name: base,
      project,
      baseInstanceName: base,
      versions: [{ instanceTemplate: template.selfLinkUnique, name: base }],
      // No targetSize: the autoscaler owns the running size.
      targetSuspendedSize: g.suspended,
      targetStoppedSize: g.stopped,
      standbyPolicy: { mode: 'SCALE_OUT_POOL', initialDelaySec: opts.vmWarmupSec },
      namedPorts: [{ name: SERVING_PORT_NAME, port: plan.port }],
      autoHealingPolicies: { healthCheck: healthCheck.id, initialDelaySec: opts.vmWarmupSec },
      waitForInstances: false,
    };
    const migOpts: pulumi.CustomResourceOptions = { ...child, ignoreChanges: ['targetSize'] };
    const mig = g.placement.zone !== undefined
      ? new gcp.compute.InstanceGroupManager(logicalNames.mig(g.name), { ...migArgs, zone: g.placement.zone }, migOpts)
      : new gcp.compute.RegionInstanceGroupManager(logicalNames.mig(g.name), { ...migArgs, region: g.placement.region }, migOpts);

    const autoscalingPolicy = {
      // The plan's running floor is expressed as a floor, never as a size.
      minReplicas: Math.max(g.minReplicas, g.running),
      maxReplicas: g.maxReplicas,
      mode: 'ON',
      cpuUtilization: { target: g.targetUtilization },
      scalingSchedules: g.scalingSchedules.map((s) => ({
        name: s.name,
        minRequiredReplicas: s.minRequiredReplicas,
        schedule: s.schedule,
        durationSec: s.durationSec,
        timeZone: s.timeZone,
        ...(s.description !== undefined ? { description: s.description } : {}),
      })),
    };
    const asName = `${base}-as`;
    if (g.placement.zone !== undefined) {
      new gcp.compute.Autoscaler(logicalNames.autoscaler(g.name), { name: asName, project, zone: g.placement.zone, target: mig.selfLink, autoscalingPolicy }, child);
    } else {
      new gcp.compute.RegionAutoscaler(logicalNames.autoscaler(g.name), { name: asName, project, region: g.placement.region, target: mig.selfLink, autoscalingPolicy }, child);
    }

    const backend = new gcp.compute.BackendService(logicalNames.backend(g.name), {
      name: `${base}-bs`,
      project,
      loadBalancingScheme: 'EXTERNAL_MANAGED',
      protocol: 'HTTP',
      portName: SERVING_PORT_NAME,
      healthChecks: healthCheck.id,
      // Traffic share is the URL map's job; capacityScaler stays 1 (0 is invalid for a lone backend).
      backends: [{ group: mig.instanceGroup, balancingMode: 'UTILIZATION', maxUtilization: g.targetUtilization, capacityScaler: 1 }],
    }, child);

    return { plan: g, mig, backend };
  }
}

function generationOutput(b: GenerationResources): pulumi.Output<GenerationOutput> {
  const g = b.plan;
  return pulumi.all([b.mig.targetSize, b.mig.statuses, b.mig.selfLink]).apply(([targetSize, statuses, selfLink]) => {
    const stable = (statuses as { isStable?: boolean }[] | undefined)?.[0]?.isStable;
    const out: GenerationOutput = plannedStatus(g);
    if (typeof targetSize === 'number') out.observedRunning = targetSize;
    if (typeof stable === 'boolean') out.stable = stable;
    if (typeof selfLink === 'string' && selfLink) out.migSelfLink = selfLink;
    return out;
  });
}

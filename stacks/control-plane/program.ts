/**
 * The control plane: what runs shadowscale itself on Google Cloud. A Cloud Run job (tasks shard
 * the workloads) started by Cloud Scheduler, its image in Artifact Registry, the GCS bucket
 * that holds Pulumi state and the KMS key that encrypts its secrets, and a service account
 * with only the roles shadowscale uses, each on the narrowest resource that carries it.
 *
 * A factory like the fleet program: importing declares nothing.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import { inputError } from '../../automation/errors';

export interface DatasetRef {
  /** Defaults to the control-plane project. */
  project?: string;
  datasetId: string;
}

export interface ControlPlaneArgs {
  project: string;
  region: string;
  /** Projects whose fleets shadowscale deploys (compute roles there). Default: [project]. */
  targetProjects?: string[];
  /** Artifact Registry repository id. Default "shadowscale". */
  repositoryId?: string;
  /** The image in that repository: exactly one of tag or digest ("sha256:..."); digests pin what runs. */
  image: { name?: string; tag?: string; digest?: string };
  stateBucketName: string;
  /** Noncurrent state versions kept per object (Pulumi writes a checkpoint per update). Default 100. */
  stateVersionsKept?: number;
  keyRingName?: string;
  keyName?: string;
  /** KMS key rotation, seconds. Default 90 days. */
  keyRotationSec?: number;
  /** The Cloud Monitoring export dataset shadowscale reads history from (read only). */
  exportDataset: DatasetRef;
  /** A BigQuery records dataset shadowscale writes models, forecasts and decisions to, if used. */
  recordsDataset?: DatasetRef;
  /** Service account the fleet VMs run as; the job must be allowed to attach it to instance templates. */
  vmServiceAccountEmail: string;
  jobName?: string;
  /** Cloud Run tasks per execution; workloads are split between them (CLOUD_RUN_TASK_INDEX/COUNT). Default 1. */
  taskCount?: number;
  /** Per task. Default 600 (Cloud Run's default), at most 168 h. */
  taskTimeoutSec?: number;
  /** Retries per failed task, 0..10. Default 1. */
  maxRetries?: number;
  cpu?: string;
  memory?: string;
  /** Cron for Cloud Scheduler, e.g. "*\/5 * * * *". */
  schedule: string;
  timeZone?: string;
  /** Path of shadowscale.yaml inside the container (the job reads SHADOWSCALE_CONFIG). Its folder must be writable: runs keep .shadowscale/ next to it. */
  configPath: string;
  /** Extra environment for the job. */
  env?: Record<string, string>;
}

/** Roles granted; each line says where, because least privilege is about scope as much as role. */
export const CONTROL_PLANE_ROLES = {
  project: ['roles/bigquery.jobUser', 'roles/monitoring.metricWriter', 'roles/monitoring.viewer'],
  targetProject: ['roles/compute.instanceAdmin.v1', 'roles/compute.loadBalancerAdmin'],
  exportDataset: 'roles/bigquery.dataViewer',
  recordsDataset: 'roles/bigquery.dataEditor',
  stateBucket: 'roles/storage.objectAdmin',
  stateKey: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
  vmServiceAccount: 'roles/iam.serviceAccountUser',
  job: 'roles/run.invoker',
} as const;

const REQUIRED_APIS = [
  'artifactregistry.googleapis.com',
  'bigquery.googleapis.com',
  'cloudkms.googleapis.com',
  'cloudscheduler.googleapis.com',
  'compute.googleapis.com',
  'iam.googleapis.com',
  'monitoring.googleapis.com',
  'run.googleapis.com',
  'storage.googleapis.com',
];

const MAX_TASK_TIMEOUT_SEC = 168 * 3600;
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

interface ResolvedArgs extends Required<Omit<ControlPlaneArgs, 'recordsDataset' | 'image'>> {
  recordsDataset?: DatasetRef;
  image: { name: string; tag?: string; digest?: string };
}

function field(name: string, expected: string): never {
  throw inputError('control-plane.invalid', { field: `controlPlane.${name}` }, expected);
}

function intIn(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) field(name, `must be an integer ${min}..${max}, got ${value}`);
  return value;
}

export function resolveControlPlaneArgs(args: ControlPlaneArgs): ResolvedArgs {
  for (const key of ['project', 'region', 'stateBucketName', 'vmServiceAccountEmail', 'schedule', 'configPath'] as const) {
    if (!args[key]) field(key, 'is required');
  }
  if (!args.exportDataset?.datasetId) field('exportDataset.datasetId', 'is required');
  const jobName = args.jobName ?? 'shadowscale';
  // Service account ids ("<job>-tick", "<job>-job") must be 6..30 characters.
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(jobName) || jobName.length < 2 || jobName.length > 25) {
    field('jobName', `"${jobName}" must be 2..25 lowercase letters, digits and hyphens, starting with a letter`);
  }
  const { tag, digest } = args.image ?? {};
  if ((tag === undefined) === (digest === undefined)) field('image', 'set exactly one of tag or digest');
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) field('image.digest', `must look like sha256:<64 hex>, got "${digest}"`);
  for (const name of Object.keys(args.env ?? {})) {
    if ((Object.values(JOB_ENV) as string[]).includes(name)) field(`env.${name}`, 'is set by the control plane itself; use the matching setting instead');
  }
  return {
    ...args,
    targetProjects: args.targetProjects?.length ? args.targetProjects : [args.project],
    repositoryId: args.repositoryId ?? 'shadowscale',
    image: { name: args.image.name ?? 'shadowscale', tag, digest },
    stateVersionsKept: intIn(args.stateVersionsKept ?? 100, 'stateVersionsKept', 1, 10_000),
    keyRingName: args.keyRingName ?? 'shadowscale',
    keyName: args.keyName ?? 'pulumi-state',
    keyRotationSec: intIn(args.keyRotationSec ?? 90 * 86400, 'keyRotationSec', 86400, 100 * 365 * 86400),
    jobName,
    taskCount: intIn(args.taskCount ?? 1, 'taskCount', 1, 10_000),
    taskTimeoutSec: intIn(args.taskTimeoutSec ?? 600, 'taskTimeoutSec', 1, MAX_TASK_TIMEOUT_SEC),
    maxRetries: intIn(args.maxRetries ?? 1, 'maxRetries', 0, 10),
    cpu: args.cpu ?? '1',
    memory: args.memory ?? '2Gi',
    timeZone: args.timeZone ?? 'Etc/UTC',
    env: args.env ?? {},
  };
}

/**
 * Environment of the job. SHADOWSCALE_* are read by `shadowscale job` (cli/job.ts); the
 * PULUMI_* pair tells it, and anyone reading the job, where this stack put state and key
 * (shadowscale.yaml's deployer.backendUrl / secretsProvider should name the same).
 */
export const JOB_ENV = {
  config: 'SHADOWSCALE_CONFIG',
  taskTimeout: 'SHADOWSCALE_TASK_TIMEOUT',
  backendUrl: 'PULUMI_BACKEND_URL',
  secretsProvider: 'PULUMI_SECRETS_PROVIDER',
  project: 'GOOGLE_CLOUD_PROJECT',
} as const;

export function controlPlaneProgram(input: ControlPlaneArgs): PulumiFn {
  const args = resolveControlPlaneArgs(input);
  return async () => {
    const { project, region } = args;

    const apis = REQUIRED_APIS.map((service) => new gcp.projects.Service(`api-${service.split('.')[0]}`, {
      project, service, disableOnDestroy: false,
    }));
    const afterApis: pulumi.CustomResourceOptions = { dependsOn: apis };

    const repository = new gcp.artifactregistry.Repository('images', {
      project, location: region, repositoryId: args.repositoryId, format: 'DOCKER',
      description: 'shadowscale container images',
    }, afterApis);
    const imageRef = pulumi.interpolate`${repository.location}-docker.pkg.dev/${project}/${repository.repositoryId}/${args.image.name}${args.image.digest ? `@${args.image.digest}` : `:${args.image.tag}`}`;

    // State and the key that encrypts its secrets outlive any one deployment of the job.
    const keep: pulumi.CustomResourceOptions = { ...afterApis, protect: true };
    const stateBucket = new gcp.storage.Bucket('state', {
      project, name: args.stateBucketName, location: region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      lifecycleRules: [{ condition: { numNewerVersions: args.stateVersionsKept, withState: 'ARCHIVED' }, action: { type: 'Delete' } }],
    }, keep);
    const keyRing = new gcp.kms.KeyRing('state-keyring', { project, name: args.keyRingName, location: region }, keep);
    const stateKey = new gcp.kms.CryptoKey('state-key', {
      name: args.keyName, keyRing: keyRing.id, purpose: 'ENCRYPT_DECRYPT', rotationPeriod: `${args.keyRotationSec}s`,
    }, { protect: true });

    const jobSa = new gcp.serviceaccount.Account('job-sa', {
      project, accountId: `${args.jobName}-job`, displayName: 'shadowscale job',
    }, afterApis);
    const invokerSa = new gcp.serviceaccount.Account('scheduler-sa', {
      project, accountId: `${args.jobName}-tick`, displayName: 'shadowscale scheduler (starts the job only)',
    }, afterApis);
    const member = jobSa.member;

    for (const role of CONTROL_PLANE_ROLES.project) {
      new gcp.projects.IAMMember(`job-${roleSlug(role)}`, { project, role, member });
    }
    for (const target of args.targetProjects) {
      for (const role of CONTROL_PLANE_ROLES.targetProject) {
        new gcp.projects.IAMMember(`job-${roleSlug(role)}-${target}`, { project: target, role, member });
      }
    }
    new gcp.bigquery.DatasetIamMember('job-export-reader', {
      project: args.exportDataset.project ?? project, datasetId: args.exportDataset.datasetId,
      role: CONTROL_PLANE_ROLES.exportDataset, member,
    });
    if (args.recordsDataset) {
      new gcp.bigquery.DatasetIamMember('job-records-editor', {
        project: args.recordsDataset.project ?? project, datasetId: args.recordsDataset.datasetId,
        role: CONTROL_PLANE_ROLES.recordsDataset, member,
      });
    }
    new gcp.storage.BucketIAMMember('job-state-objects', { bucket: stateBucket.name, role: CONTROL_PLANE_ROLES.stateBucket, member });
    new gcp.kms.CryptoKeyIAMMember('job-state-key', { cryptoKeyId: stateKey.id, role: CONTROL_PLANE_ROLES.stateKey, member });
    new gcp.serviceaccount.IAMMember('job-acts-as-vm-sa', {
      serviceAccountId: `projects/${vmServiceAccountProject(args)}/serviceAccounts/${args.vmServiceAccountEmail}`,
      role: CONTROL_PLANE_ROLES.vmServiceAccount, member,
    });

    const secretsProvider = pulumi.interpolate`gcpkms://projects/${project}/locations/${keyRing.location}/keyRings/${keyRing.name}/cryptoKeys/${stateKey.name}`;
    const backendUrl = pulumi.interpolate`gs://${stateBucket.name}`;
    const envs = [
      { name: JOB_ENV.config, value: args.configPath },
      // The tick cancels itself before Cloud Run kills the task.
      { name: JOB_ENV.taskTimeout, value: `${args.taskTimeoutSec}s` },
      { name: JOB_ENV.backendUrl, value: backendUrl },
      { name: JOB_ENV.secretsProvider, value: secretsProvider },
      { name: JOB_ENV.project, value: project },
      ...Object.entries(args.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
    ];
    const job = new gcp.cloudrunv2.Job('job', {
      project, location: region, name: args.jobName,
      // The job holds no data; deleting it must not need a second apply.
      deletionProtection: false,
      template: {
        taskCount: args.taskCount,
        // Each task owns a disjoint shard of workloads (its own stacks), so they may run together.
        parallelism: args.taskCount,
        template: {
          serviceAccount: jobSa.email,
          timeout: `${args.taskTimeoutSec}s`,
          maxRetries: args.maxRetries,
          containers: [{ image: imageRef, envs, resources: { limits: { cpu: args.cpu, memory: args.memory } } }],
        },
      },
    }, afterApis);

    new gcp.cloudrunv2.JobIamMember('scheduler-runs-job', {
      project, location: region, name: job.name, role: CONTROL_PLANE_ROLES.job, member: invokerSa.member,
    });
    const tick = new gcp.cloudscheduler.Job('tick', {
      project, region, name: `${args.jobName}-tick`,
      schedule: args.schedule, timeZone: args.timeZone,
      attemptDeadline: '60s',
      // A retried jobs:run whose first call did start an execution would start a second one; the next tick comes anyway.
      retryConfig: { retryCount: 0 },
      httpTarget: {
        httpMethod: 'POST',
        uri: pulumi.interpolate`https://run.googleapis.com/v2/projects/${project}/locations/${region}/jobs/${job.name}:run`,
        // OAuth, not OIDC: the target is a googleapis.com API.
        oauthToken: { serviceAccountEmail: invokerSa.email, scope: CLOUD_PLATFORM_SCOPE },
      },
    }, afterApis);

    return {
      image: imageRef,
      jobName: job.name,
      schedulerJob: tick.name,
      jobServiceAccount: jobSa.email,
      stateBackendUrl: backendUrl,
      secretsProvider,
    };
  };
}

function roleSlug(role: string): string {
  return role.replace(/^roles\//, '').replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase();
}

/** The project of a service account email ("name@project.iam.gserviceaccount.com"); "-" lets IAM infer it otherwise. */
function vmServiceAccountProject(args: ResolvedArgs): string {
  const m = /^[^@]+@([a-z][-a-z0-9]*)\.iam\.gserviceaccount\.com$/.exec(args.vmServiceAccountEmail);
  return m ? m[1] : '-';
}

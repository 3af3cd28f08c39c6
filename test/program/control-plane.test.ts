/**
 * The control-plane program under Pulumi mocks: Cloud Run job + Scheduler, Artifact Registry,
 * state bucket, KMS key, and a service account whose roles are scoped to the narrowest resource.
 */
import assert from 'node:assert/strict';
import { recordProgram, type RecordedRun } from '../../automation/adapters/offline-preview';
import { controlPlaneProgram, type ControlPlaneArgs } from '../../stacks/control-plane/program';
import { ShadowscaleError } from '../../automation/errors';
import { input, mockId, ofType, resource } from './recorded';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const args = (overrides: Partial<ControlPlaneArgs> = {}): ControlPlaneArgs => ({
  project: 'acme-ops',
  region: 'europe-west1',
  targetProjects: ['acme-prod', 'acme-edge'],
  image: { digest: DIGEST },
  stateBucketName: 'acme-shadowscale-state',
  exportDataset: { project: 'acme-metrics', datasetId: 'monitoring_export' },
  vmServiceAccountEmail: 'fleet-vm@acme-prod.iam.gserviceaccount.com',
  schedule: '*/5 * * * *',
  taskCount: 3,
  taskTimeoutSec: 900,
  maxRetries: 2,
  configPath: '/app/config/shadowscale.yaml',
  env: { SHADOWSCALE_DEBUG: '1' },
  ...overrides,
});

const C = {
  repo: 'gcp:artifactregistry/repository:Repository',
  job: 'gcp:cloudrunv2/job:Job',
  jobIam: 'gcp:cloudrunv2/jobIamMember:JobIamMember',
  scheduler: 'gcp:cloudscheduler/job:Job',
  account: 'gcp:serviceaccount/account:Account',
  saIam: 'gcp:serviceaccount/iAMMember:IAMMember',
  projectIam: 'gcp:projects/iAMMember:IAMMember',
  datasetIam: 'gcp:bigquery/datasetIamMember:DatasetIamMember',
  bucket: 'gcp:storage/bucket:Bucket',
  bucketIam: 'gcp:storage/bucketIAMMember:BucketIAMMember',
  keyRing: 'gcp:kms/keyRing:KeyRing',
  key: 'gcp:kms/cryptoKey:CryptoKey',
  keyIam: 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
  service: 'gcp:projects/service:Service',
} as const;

const JOB_MEMBER = 'serviceAccount:shadowscale-job@acme-ops.iam.gserviceaccount.com';
const TICK_EMAIL = 'shadowscale-tick@acme-ops.iam.gserviceaccount.com';

describe('control-plane program (Pulumi mocks), GIVEN project acme-ops managing fleets in acme-prod and acme-edge', () => {
  let rec: RecordedRun;
  before(async () => { rec = await recordProgram(controlPlaneProgram(args()), { project: 'shadowscale-control-plane' }); });

  it('GIVEN 3 tasks, 900 s timeout, 2 retries WHEN deployed THEN the Cloud Run job runs the pinned image with those settings as the job SA', () => {
    const job = resource(rec, C.job, 'job');
    assert.equal(input(job, 'location'), 'europe-west1');
    assert.equal(input(job, 'deletionProtection'), false);
    assert.equal(input(job, 'template.taskCount'), 3);
    assert.equal(input(job, 'template.parallelism'), 3);
    assert.equal(input(job, 'template.template.timeout'), '900s');
    assert.equal(input(job, 'template.template.maxRetries'), 2);
    assert.equal(input(job, 'template.template.serviceAccount'), 'shadowscale-job@acme-ops.iam.gserviceaccount.com');
    assert.equal(input(job, 'template.template.containers.0.image'), `europe-west1-docker.pkg.dev/acme-ops/shadowscale/shadowscale@${DIGEST}`);
    const envs = Object.fromEntries((input(job, 'template.template.containers.0.envs') as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    assert.deepEqual(envs, {
      SHADOWSCALE_CONFIG: '/app/config/shadowscale.yaml',
      SHADOWSCALE_TASK_TIMEOUT: '900s',
      PULUMI_BACKEND_URL: 'gs://acme-shadowscale-state',
      PULUMI_SECRETS_PROVIDER: 'gcpkms://projects/acme-ops/locations/europe-west1/keyRings/shadowscale/cryptoKeys/pulumi-state',
      GOOGLE_CLOUD_PROJECT: 'acme-ops',
      SHADOWSCALE_DEBUG: '1',
    });
    assert.equal(input(resource(rec, C.repo, 'images'), 'format'), 'DOCKER');
  });

  it('WHEN deployed THEN Cloud Scheduler POSTs jobs:run with an OAuth token of a separate SA that may only run this job', () => {
    const tick = resource(rec, C.scheduler, 'tick');
    assert.equal(input(tick, 'schedule'), '*/5 * * * *');
    assert.equal(input(tick, 'httpTarget.httpMethod'), 'POST');
    assert.equal(input(tick, 'httpTarget.uri'), 'https://run.googleapis.com/v2/projects/acme-ops/locations/europe-west1/jobs/shadowscale:run');
    assert.deepEqual(input(tick, 'httpTarget.oauthToken'), { serviceAccountEmail: TICK_EMAIL, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    assert.equal(input(tick, 'httpTarget.oidcToken'), undefined);
    const invoker = resource(rec, C.jobIam, 'scheduler-runs-job');
    assert.deepEqual([input(invoker, 'name'), input(invoker, 'role'), input(invoker, 'member')], ['shadowscale', 'roles/run.invoker', `serviceAccount:${TICK_EMAIL}`]);
    // The scheduler's SA has no other grant.
    const tickGrants = rec.resources.filter((r) => input(r, 'member') === `serviceAccount:${TICK_EMAIL}`);
    assert.deepEqual(tickGrants.map((r) => r.name), ['scheduler-runs-job']);
  });

  it('WHEN deployed THEN the state bucket is versioned, uniform, not public, and protected; the KMS key is protected', () => {
    const bucket = resource(rec, C.bucket, 'state');
    assert.equal(input(bucket, 'name'), 'acme-shadowscale-state');
    assert.deepEqual(input(bucket, 'versioning'), { enabled: true });
    assert.equal(input(bucket, 'uniformBucketLevelAccess'), true);
    assert.equal(input(bucket, 'publicAccessPrevention'), 'enforced');
    assert.equal(bucket.protect, true);
    const key = resource(rec, C.key, 'state-key');
    assert.equal(input(key, 'keyRing'), mockId(resource(rec, C.keyRing, 'state-keyring')));
    assert.equal(input(key, 'purpose'), 'ENCRYPT_DECRYPT');
    assert.equal(key.protect, true);
  });

  it('WHEN deployed THEN each role of the job SA is bound on the narrowest resource that carries it', () => {
    const grants = rec.resources
      .filter((r) => input(r, 'member') === JOB_MEMBER)
      .map((r) => {
        const scope = r.type === C.projectIam ? `project:${input(r, 'project')}`
          : r.type === C.datasetIam ? `dataset:${input(r, 'project')}.${input(r, 'datasetId')}`
          : r.type === C.bucketIam ? `bucket:${input(r, 'bucket')}`
          : r.type === C.keyIam ? `key:${input(r, 'cryptoKeyId')}`
          : r.type === C.saIam ? `serviceAccount:${input(r, 'serviceAccountId')}`
          : `other:${r.type}`;
        return `${input(r, 'role')} @ ${scope}`;
      })
      .sort();
    assert.deepEqual(grants, [
      'roles/bigquery.dataViewer @ dataset:acme-metrics.monitoring_export',
      'roles/bigquery.jobUser @ project:acme-ops',
      'roles/cloudkms.cryptoKeyEncrypterDecrypter @ key:state-key-id',
      'roles/compute.instanceAdmin.v1 @ project:acme-edge',
      'roles/compute.instanceAdmin.v1 @ project:acme-prod',
      'roles/compute.loadBalancerAdmin @ project:acme-edge',
      'roles/compute.loadBalancerAdmin @ project:acme-prod',
      'roles/iam.serviceAccountUser @ serviceAccount:projects/acme-prod/serviceAccounts/fleet-vm@acme-prod.iam.gserviceaccount.com',
      'roles/monitoring.metricWriter @ project:acme-ops',
      'roles/monitoring.viewer @ project:acme-ops',
      'roles/storage.objectAdmin @ bucket:acme-shadowscale-state',
    ]);
  });

  it('WHEN deployed THEN the APIs are enabled first and the job depends on them', () => {
    const services = ofType(rec, C.service).map((s) => String(input(s, 'service')));
    assert.ok(services.includes('run.googleapis.com') && services.includes('cloudscheduler.googleapis.com') && services.includes('cloudkms.googleapis.com'));
    const job = resource(rec, C.job, 'job');
    for (const s of ofType(rec, C.service)) assert.ok(job.dependencies.includes(s.urn), `job must depend on ${s.name}`);
  });

  it('GIVEN a records dataset WHEN deployed THEN the job may edit that dataset only', async () => {
    const withRecords = await recordProgram(controlPlaneProgram(args({ recordsDataset: { datasetId: 'shadowscale_records' } })), { project: 'shadowscale-control-plane' });
    const editor = resource(withRecords, C.datasetIam, 'job-records-editor');
    assert.deepEqual([input(editor, 'role'), input(editor, 'project'), input(editor, 'datasetId')], ['roles/bigquery.dataEditor', 'acme-ops', 'shadowscale_records']);
  });

  describe('GIVEN settings it must refuse', () => {
    const refuses = (overrides: Partial<ControlPlaneArgs>, re: RegExp) => assert.throws(
      () => controlPlaneProgram(args(overrides)),
      (err: unknown) => err instanceof ShadowscaleError && err.kind === 'input' && re.test(err.message),
    );
    it('THEN both a tag and a digest name controlPlane.image', () => refuses({ image: { tag: 'v1', digest: DIGEST } }, /controlPlane\.image: set exactly one of tag or digest/));
    it('THEN a task timeout over 168 h names taskTimeoutSec', () => refuses({ taskTimeoutSec: 168 * 3600 + 1 }, /controlPlane\.taskTimeoutSec/));
    it('THEN 11 retries names maxRetries', () => refuses({ maxRetries: 11 }, /controlPlane\.maxRetries: must be an integer 0\.\.10/));
    it('THEN an env entry that would override the job\'s own settings names it', () => refuses({ env: { SHADOWSCALE_CONFIG: '/elsewhere.yaml' } }, /controlPlane\.env\.SHADOWSCALE_CONFIG/));
    it('THEN a job name too long for its service account ids names jobName', () => refuses({ jobName: 'a'.repeat(26) }, /controlPlane\.jobName/));
  });
});

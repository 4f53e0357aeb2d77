import { describe, expect, it } from 'vitest';
import { describeAction, planDeploy, planRescale, planUpgrade, type DesiredJob, type ObservedJob } from './plan.ts';

const spec: DesiredJob = {
  name: 'speed-recommender',
  project: 'flink-jobs',
  entryClass: 'moviereco.flink.speed.SpeedRecommenderJob',
  args: { 'job.name': 'speed-recommender', 'coalesce.ms': '50' },
  parallelism: 1,
  savepointPolicy: 'savepoint',
  jarHash: 'abc123',
};

function running(overrides: Partial<ObservedJob> = {}): ObservedJob {
  return {
    jid: 'j1',
    name: 'speed-recommender',
    state: 'RUNNING',
    startTime: 1000,
    params: { 'job.name': 'speed-recommender', 'coalesce.ms': '50', 'jar.hash': 'abc123' },
    parallelism: 1,
    ...overrides,
  };
}

describe('planDeploy', () => {
  it('submits a job that does not run', () => {
    expect(planDeploy([spec], [])).toEqual([{ kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' }]);
  });

  it('keeps a job that runs as declared, so a second deploy does nothing', () => {
    expect(planDeploy([spec], [running()])).toEqual([{ kind: 'keep', job: 'speed-recommender', jid: 'j1', reason: 'running as declared' }]);
  });

  it('upgrades through a savepoint when the code, a flag or the parallelism differs, saying what', () => {
    const [action] = planDeploy([{ ...spec, jarHash: 'def456', args: { ...spec.args, 'coalesce.ms': '20' } }], [running({ parallelism: 2 })]);
    expect(action).toMatchObject({ kind: 'upgrade', jid: 'j1', via: 'savepoint' });
    expect(action!.reason).toBe('coalesce.ms 50 → 20; jar.hash abc123 → def456; parallelism 2 → 1');
    expect(planDeploy([{ ...spec, savepointPolicy: 'none', jarHash: 'x' }], [running()])[0]).toMatchObject({ kind: 'upgrade', via: 'cancel' });
  });

  it('notices a flag the running job has and the declaration dropped', () => {
    const [action] = planDeploy([spec], [running({ params: { ...running().params, 'old.flag': '1' } })]);
    expect(action).toMatchObject({ kind: 'upgrade', reason: 'old.flag 1 → (unset)' });
  });

  it('resumes a failed or cancelled job from its last retained checkpoint', () => {
    const failed = running({ state: 'FAILED', lastCheckpoint: 'file:/cp/j1/chk-7' });
    expect(planDeploy([spec], [failed])).toEqual([
      {
        kind: 'submit',
        job: 'speed-recommender',
        spec,
        restoreFrom: 'file:/cp/j1/chk-7',
        reason: 'not running; resumes from the last checkpoint of j1 (FAILED)',
      },
    ]);
    // the latest run decides; a finished run or one without a checkpoint starts fresh
    const fresh = (observed: ObservedJob[], d = spec) => planDeploy([d], observed)[0];
    expect(fresh([running({ state: 'FINISHED', startTime: 5, lastCheckpoint: 'x' })])).toEqual({
      kind: 'submit',
      job: 'speed-recommender',
      spec,
      reason: 'not running',
    });
    expect(fresh([running({ state: 'CANCELED' })])).toEqual({ kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' });
    const stateless = { ...spec, savepointPolicy: 'none' as const };
    expect(fresh([failed], stateless)).toEqual({ kind: 'submit', job: 'speed-recommender', spec: stateless, reason: 'not running' });
  });

  it('resumes a job the cluster does not list from the newest retained checkpoint on the file system', () => {
    const retained = { 'speed-recommender': { path: 'file:///cp/speed-recommender/j0/chk-42', jobId: 'j0', checkpointId: 42, at: 1 } };
    expect(planDeploy([spec], [], retained)).toEqual([
      {
        kind: 'submit',
        job: 'speed-recommender',
        spec,
        restoreFrom: 'file:///cp/speed-recommender/j0/chk-42',
        reason: 'not running and no run listed by the cluster; resumes from the newest retained checkpoint on the file system (chk-42 of j0)',
      },
    ]);
    expect(describeAction(planDeploy([spec], [], retained)[0]!)).toBe(
      'submit   speed-recommender from file:///cp/speed-recommender/j0/chk-42 at parallelism 1: not running and no run listed by the cluster; resumes from the newest retained checkpoint on the file system (chk-42 of j0)',
    );
    // another job's checkpoint is not this job's; a job without state policy starts fresh
    expect(planDeploy([spec], [], { archive: retained['speed-recommender'] })[0]).toEqual({
      kind: 'submit',
      job: 'speed-recommender',
      spec,
      reason: 'not running',
    });
    const stateless = { ...spec, savepointPolicy: 'none' as const };
    expect(planDeploy([stateless], [], retained)[0]).toEqual({ kind: 'submit', job: 'speed-recommender', spec: stateless, reason: 'not running' });
  });

  it('prefers the checkpoint of the run the cluster lists over one found on the file system', () => {
    const retained = { 'speed-recommender': { path: 'file:///cp/speed-recommender/j0/chk-42', jobId: 'j0', checkpointId: 42, at: 1 } };
    const failed = running({ state: 'FAILED', lastCheckpoint: 'file:/cp/speed-recommender/j1/chk-7' });
    expect(planDeploy([spec], [failed], retained)[0]).toMatchObject({
      restoreFrom: 'file:/cp/speed-recommender/j1/chk-7',
      reason: 'not running; resumes from the last checkpoint of j1 (FAILED)',
    });
    // a listed run that ended without a checkpoint to resume from (finished, or cancelled before its first) is the cluster's word: fresh
    expect(planDeploy([spec], [running({ state: 'CANCELED' })], retained)[0]).toEqual({
      kind: 'submit',
      job: 'speed-recommender',
      spec,
      reason: 'not running',
    });
    // a running job is kept whatever lies on the file system
    expect(planDeploy([spec], [running()], retained)[0]).toMatchObject({ kind: 'keep' });
  });

  it('submits fresh when there is no checkpoint anywhere', () => {
    expect(planDeploy([spec], [], {})).toEqual([{ kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' }]);
    expect(planDeploy([spec], [], { 'speed-recommender': undefined })).toEqual([{ kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' }]);
    expect(planUpgrade(spec, [], {})).toEqual([{ kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' }]);
  });

  it('leaves a job that Flink is restarting alone', () => {
    expect(planDeploy([spec], [running({ state: 'RESTARTING' })])[0]).toMatchObject({ kind: 'keep', reason: expect.stringContaining('RESTARTING') });
  });

  it('cancels extra running copies and keeps the newest', () => {
    const actions = planDeploy([spec], [running({ jid: 'old', startTime: 1 }), running({ jid: 'new', startTime: 2 })]);
    expect(actions.map((a) => [a.kind, 'jid' in a ? a.jid : undefined])).toEqual([
      ['cancel', 'old'],
      ['keep', 'new'],
    ]);
  });

  it('ignores jobs it does not declare', () => {
    expect(planDeploy([spec], [running({ name: 'someone-elses-job', jid: 'x' })])).toEqual([
      { kind: 'submit', job: 'speed-recommender', spec, reason: 'not running' },
    ]);
  });
});

describe('planUpgrade and planRescale', () => {
  it('upgrade goes through a savepoint even when nothing changed', () => {
    expect(planUpgrade(spec, [running()])).toEqual([
      { kind: 'upgrade', job: 'speed-recommender', jid: 'j1', spec, via: 'savepoint', reason: 'upgrade requested' },
    ]);
    expect(planUpgrade(spec, [])[0]!.kind).toBe('submit');
  });

  it('rescale is an upgrade to another parallelism, and nothing when it already runs so', () => {
    expect(planRescale(spec, 2, [running()])[0]).toMatchObject({ kind: 'upgrade', reason: 'parallelism 1 → 2', spec: { parallelism: 2 } });
    expect(planRescale(spec, 2, [running({ parallelism: 2 })])[0]!.kind).toBe('keep');
  });

  it('describes each action on one line', () => {
    expect(planDeploy([spec], []).map(describeAction)).toEqual(['submit   speed-recommender at parallelism 1: not running']);
  });
});

import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import type { Out } from '../../lib/contract';
import type { ShownError } from '../../lib/errors';
import { useContractQuery } from '../../lib/query';
import { useApp } from '../../lib/appContext';
import { jobKey, useJob, useJobStore } from '../jobs';
import { formatCount } from '../../lib/format';
import { HeadStatus } from './HeadStatus';
import { layerLabel, runContext, runMethods, runSeed, type Inventory } from './inventory';
import { JobStatus } from '../jobs';
import { AccuracyCheck, MappingEditor, mappingFromInfo } from './MappingEditor';
import { StepRun } from './StepRun';
import { StepScore } from './StepScore';
import { temperatureValid } from './TemperatureField';
import type { Mapping, Mode } from './types';
import { EncoderSelect } from '../concepts';
import type { SimulatorRef } from '../concepts';
import { useEncoders } from '../concepts';

const STEPS = ['Explanation run', 'Labels & head', 'Scoring & start'] as const;

/** Whether the chosen run can be scored, in words: what stops it and what to do, or warnings for the next steps. */
function RunCheck({ check, error }: { check: Out<'ablation.check'> | null; error: ShownError | null }) {
  if (error) return <ErrorBox error={error} />;
  if (!check) return <p className="hint">Checking whether this run can be scored…</p>;
  return (
    <div data-testid="abl-run-check" data-ok={check.ok}>
      {check.problems.length > 0 && (
        <div className="banner banner-warn abl-low-accuracy" role="alert">
          <strong>This run cannot be scored by ablation.</strong>
          {check.problems.map((p) => (
            <p key={p} data-testid="abl-run-problem">
              {p}
            </p>
          ))}
        </div>
      )}
      {check.ok && (
        <p className="hint" data-testid="abl-run-ok">
          This run can be scored by ablation{check.warnings.length ? ', with a warning:' : '.'}
        </p>
      )}
      {check.warnings.map((w) => (
        <p key={w} className="warn-text" data-testid="abl-run-warning">
          {w}
        </p>
      ))}
    </div>
  );
}

function Steps({ step, maxReached, onGo }: { step: number; maxReached: number; onGo: (i: number) => void }) {
  return (
    <ol className="wizard-steps" aria-label="Steps">
      {STEPS.map((s, i) => (
        <li key={s} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
          <button type="button" className="link" disabled={i > maxReached} onClick={() => onGo(i)} data-testid={`abl-step-${i}`}>
            <span className="wizard-num">{i + 1}</span> {s}
          </button>
        </li>
      ))}
    </ol>
  );
}

/** New ablation scoring: explain run -> label mapping, accuracy and head -> modes + temperature -> the job. */
export function AblationWizard({ inv, onDone }: { inv: Inventory; onDone: (ablationRunId: number) => void }) {
  const { project, openScreen } = useApp();
  const store = useJobStore();
  const [step, setStep] = useState(0);
  const [maxReached, setMaxReached] = useState(0);
  const [runId, setRunId] = useState<number | null>(null);
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const [modes, setModes] = useState<Mode[]>(['optim', 'norm']);
  const [excluded, setExcluded] = useState<string[]>([]);
  const [tOverride, setTOverride] = useState('');
  const [simulator, setSimulator] = useState<SimulatorRef>('label');
  const [confirmLow, setConfirmLow] = useState(false);
  const encoders = useEncoders();

  useEffect(() => {
    if (runId === null) setRunId(inv.runs.find((r) => r.status === 'done')?.id ?? null);
  }, [inv.runs, runId]);

  const ctx = runId === null ? null : runContext(inv, runId);
  const setId = ctx?.run.activationSetId ?? null;
  const mapInput = mapping ? { mapping } : {};
  // The mapping as the backend checks it; the previous answer stays shown while an edited mapping is re-checked.
  const mapInfo = useContractQuery('ablation.mapping', setId === null ? null : { activationSetId: setId, ...mapInput });
  const head = useContractQuery('ablation.head', setId === null || step < 1 ? null : { activationSetId: setId });
  // Can the chosen run be scored at all: checked when it is chosen, said in words.
  const check = useContractQuery('ablation.check', runId === null ? null : { explainRunId: runId });
  const compatible = check.data !== null && check.data.explainRunId === runId && check.data.ok;
  const mapped = mapInfo.data !== null && mapInfo.data.unmapped === 0;
  const seed = ctx ? runSeed(ctx.run) : 0;
  const fit = useContractQuery(
    'ablation.temperature',
    setId === null || step < 2 || !mapped ? null : { activationSetId: setId, seed, ...mapInput },
  );

  const key = jobKey('ablation.run', project?.path, runId ?? 0);
  const job = useJob(key);
  const running = job?.status === 'running';
  const canNext = [ctx?.run.status === 'done' && compatible, mapped, false][step];
  const chosen = ctx ? runMethods(ctx.run).filter((m) => !excluded.includes(m)) : [];
  const nearChance = mapInfo.data?.nearChance === true;
  const canStart =
    ctx !== null &&
    mapped &&
    modes.length > 0 &&
    chosen.length > 0 &&
    temperatureValid(tOverride) &&
    !running &&
    (!nearChance || confirmLow);

  function go(i: number) {
    setStep(i);
    setMaxReached((m) => Math.max(m, i));
  }
  function start() {
    if (!ctx) return;
    store.dismiss(key);
    const t = tOverride.trim() === '' ? {} : { temperature: Number(tOverride) };
    const input = {
      explainRunId: ctx.run.id,
      modes,
      simulator,
      blockSize: 16,
      ...(excluded.length ? { methods: chosen } : {}),
      ...t,
      ...mapInput,
      ...(nearChance && confirmLow ? { confirmLowAccuracy: true } : {}),
    };
    void store.start(key, `Ablation scores of run #${ctx.run.id}`, 'ablation.run', input).then((out) => {
      if (out) onDone(out.run.id);
    });
  }

  return (
    <section className="card wizard" aria-labelledby="abl-wizard-title" data-testid="abl-wizard" data-step={step}>
      <h2 id="abl-wizard-title">New ablation scoring</h2>
      <Steps step={step} maxReached={maxReached} onGo={go} />
      {ctx && step > 0 && (
        <p className="hint" data-testid="abl-context">
          Run #{ctx.run.id} · {layerLabel(ctx)} · {ctx.probeSet?.name ?? 'probe set'} ({formatCount(ctx.set?.nImages ?? 0)} images)
        </p>
      )}
      <h3>
        {step + 1}. {STEPS[step]}
      </h3>
      {step === 0 && (
        <StepRun
          inv={inv}
          runId={runId}
          onRun={(id) => {
            setRunId(id);
            setMapping(null);
            setConfirmLow(false);
          }}
          onOpenExplanations={() => openScreen('explanations')}
        />
      )}
      {step === 0 && runId !== null && <RunCheck check={check.data?.explainRunId === runId ? check.data : null} error={check.error} />}
      {step === 1 && (
        <div className="stack">
          <ErrorBox error={mapInfo.error} />
          {mapInfo.loading && !mapInfo.data && <p className="hint">Reading the label mapping…</p>}
          {mapInfo.data && <AccuracyCheck info={mapInfo.data} />}
          {mapInfo.data && (
            <MappingEditor
              info={mapInfo.data}
              pending={mapping}
              nLogits={ctx?.set?.nLogits ?? 0}
              onChange={(label, j) => {
                setConfirmLow(false);
                setMapping((m) => ({ ...(m ?? (mapInfo.data ? mappingFromInfo(mapInfo.data) : {})), [label]: j }));
              }}
            />
          )}
          {mapping && (
            <p>
              <button
                type="button"
                className="link"
                onClick={() => {
                  setMapping(null);
                  setConfirmLow(false);
                }}
                data-testid="abl-mapping-reset"
              >
                Reset to the automatic mapping
              </button>
            </p>
          )}
          <HeadStatus head={head} />
        </div>
      )}
      {step === 2 && ctx && (
        <div className="stack">
          <StepScore
            methods={runMethods(ctx.run)}
            excluded={excluded}
            onExcluded={setExcluded}
            neurons={ctx.run.neuronsTotal}
            modes={modes}
            onModes={setModes}
            fit={fit}
            tOverride={tOverride}
            onTOverride={setTOverride}
          />
          <div data-testid="abl-simulator">
            <h4>Simulator</h4>
            <EncoderSelect
              encoders={encoders.data ?? []}
              value={simulator}
              onChange={(v) => setSimulator(v ?? 'label')}
              allowLabel
              label="Simulate the explanations with"
              testId="abl-simulator-select"
            />
            {simulator !== 'label' && simulator === ctx.run.encoderId && (
              <p className="warn-text" data-testid="abl-simulator-same">
                This encoder produced the explanations: scores under it are optimistic.
              </p>
            )}
          </div>
          {nearChance && mapInfo.data && (
            <div className="banner banner-warn abl-low-accuracy" role="alert" data-testid="abl-low-accuracy">
              <p>
                The model agrees with these labels on only {((mapInfo.data.accuracy ?? 0) * 100).toFixed(1)}% of the probe images (chance is{' '}
                {((mapInfo.data.chance ?? 0) * 100).toFixed(1)}%): the label mapping probably does not match the model&apos;s classes, and
                every score would be measured on wrong labels. Go back to <em>Labels &amp; head</em> to fix the mapping, or confirm:
              </p>
              <label>
                <input
                  type="checkbox"
                  checked={confirmLow}
                  onChange={(e) => setConfirmLow(e.target.checked)}
                  data-testid="abl-confirm-low"
                />{' '}
                Score anyway: I checked the mapping and the model really is this weak on these images
              </label>
            </div>
          )}
          <div className="actions">
            <button type="button" className="primary" disabled={!canStart} onClick={start} data-testid="abl-start">
              {running ? 'Scoring…' : 'Start ablation scoring'}
            </button>
          </div>
          <JobStatus runKey={key} testId="abl" />
        </div>
      )}
      <div className="actions wizard-nav">
        <button type="button" disabled={step === 0} onClick={() => go(step - 1)} data-testid="abl-back">
          Back
        </button>
        {step < 2 && (
          <button type="button" className="primary" disabled={!canNext} onClick={() => go(step + 1)} data-testid="abl-next">
            Next
          </button>
        )}
      </div>
    </section>
  );
}

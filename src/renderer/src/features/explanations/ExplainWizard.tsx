import { useEffect, useMemo, useState } from 'react';
import type { ActivationSetInfo, ModelSummary } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import type { ProbeSetInfo } from '../../lib/types';
import { useEncoders } from '../concepts';
import { toConceptSource, type SourceDraft } from './conceptSource';
import { StepConcepts } from './StepConcepts';
import { StepLayer } from './StepLayer';
import { StepParams } from './StepParams';
import { StepReview } from './StepReview';
import type { SplitResult } from './types';
import { useContractQuery } from '../../lib/query';
import { checkParams, DEFAULT_PARAMS, DEFAULT_SEED, type ParamDraft } from './wizardParams';
import { STEPS, WizardSteps } from './WizardSteps';

interface Inventory {
  models: ModelSummary[];
  sets: ActivationSetInfo[];
  probeSets: ProbeSetInfo[];
}

/** New explanation run: model -> layer -> concepts -> split + hyperparameters -> review and start the job. */
export function ExplainWizard({ onRun }: { onRun: (runId: number) => void }) {
  const { openScreen } = useApp();
  const [step, setStep] = useState(0);
  const [maxReached, setMaxReached] = useState(0);
  const [modelId, setModelId] = useState<number | null>(null);
  const [setId, setSetId] = useState<number | null>(null);
  const [seed, setSeed] = useState(DEFAULT_SEED);
  const [params, setParams] = useState<ParamDraft>(DEFAULT_PARAMS);
  const [source, setSource] = useState<SourceDraft>({ kind: 'labels' });
  // Loaded apart from the inventory: a project without encoders (or an older backend) still explains from labels.
  const encoders = useEncoders();
  const conceptSets = useContractQuery('conceptSet.list', {});

  const modelList = useContractQuery('model.list', {});
  const setList = useContractQuery('activations.list', {});
  const probeList = useContractQuery('probe.list', {});
  const inv = useMemo<Inventory | null>(
    () =>
      modelList.data && setList.data && probeList.data ? { models: modelList.data, sets: setList.data, probeSets: probeList.data } : null,
    [modelList.data, setList.data, probeList.data],
  );
  const invError = modelList.error ?? setList.error ?? probeList.error;
  const models = inv?.models ?? [];
  const sets = inv?.sets ?? [];
  const chosenSet = sets.find((s) => s.id === setId);
  const probeSet = inv?.probeSets.find((p) => p.id === chosenSet?.probeSetId);
  const probeSetId = chosenSet?.probeSetId ?? null;

  // Preselect: the first model with a complete set, and that set.
  useEffect(() => {
    if (!inv || modelId !== null) return;
    const first = inv.sets.find((s) => s.complete);
    const m = first?.modelId ?? inv.models[0]?.id ?? null;
    setModelId(m);
    if (first) setSetId(first.id);
  }, [inv, modelId]);

  const concepts = useContractQuery('explain.concepts', probeSetId === null ? null : { probeSetId, conceptSource: { kind: 'labels' } });

  // The seed and the hyperparameters as explain.run's schema checks them.
  const checked = checkParams(seed, params);
  const seedNum = Number(seed);
  const seedOk = checked.errors.seed === undefined;
  // The stored split for this seed (made on first use), read once the split step is reached.
  const splitQuery = useContractQuery(
    'split.ensure',
    step >= 2 && probeSetId !== null && seedOk ? { probeSetId, seed: seedNum, fractions: [0.7, 0.1, 0.2] } : null,
  );
  // Splits imported for this probe set (split.import: an assignment from another tool), offered instead of the seeded one.
  const [splitChoice, setSplitChoice] = useState<number | null>(null);
  const splitList = useContractQuery('split.list', step >= 2 && probeSetId !== null ? { probeSetId } : null);
  const imported = (splitList.data ?? []).filter((s) => s.source === 'imported' && s.probeSetId === probeSetId);
  const chosenImported = imported.find((s) => s.id === splitChoice);
  const seeded: SplitResult | null = splitQuery.stale ? null : splitQuery.data;
  const split: SplitResult | null = chosenImported ? { ...chosenImported, created: false } : seeded;

  const conceptSource = toConceptSource(source);
  const chosenEncoder = source.kind === 'encoder' ? encoders.data?.find((e) => e.id === source.encoderId) : undefined;
  const chosenConceptSet = source.kind === 'encoder' ? conceptSets.data?.find((s) => s.id === source.conceptSetId) : undefined;
  const sourceOk =
    source.kind === 'labels'
      ? (concepts.data?.names.length ?? 0) > 0
      : conceptSource !== null && chosenEncoder?.calibration != null && (chosenConceptSet?.count ?? 0) > 0;
  const nConcepts = source.kind === 'labels' ? (concepts.data?.names.length ?? 0) : (chosenConceptSet?.count ?? 0);
  const canNext = [chosenSet?.complete === true, sourceOk, checked.ok && split !== null, false][step];
  function go(i: number) {
    setStep(i);
    setMaxReached((m) => Math.max(m, i));
  }

  return (
    <section className="card wizard" aria-labelledby="wizard-title" data-testid="explain-wizard" data-step={step}>
      <h2 id="wizard-title">New explanation run</h2>
      <WizardSteps step={step} maxReached={maxReached} onGo={go} />
      <ErrorBox error={invError} />
      <h3>
        {step + 1}. {STEPS[step]}
      </h3>
      {step === 0 && inv && (
        <StepLayer
          models={models}
          sets={sets}
          probeSets={inv.probeSets}
          modelId={modelId}
          setId={setId}
          onModel={(id) => {
            setModelId(id);
            setSetId(sets.find((s) => s.modelId === id && s.complete)?.id ?? null);
          }}
          onSet={(id) => {
            setSetId(id);
            setSplitChoice(null);
          }}
          onOpenModels={() => openScreen('models')}
        />
      )}
      {step === 1 && (
        <StepConcepts
          probeSet={probeSet}
          concepts={concepts}
          source={source}
          onSource={setSource}
          encoders={encoders.data ?? []}
          sets={conceptSets.data ?? []}
        />
      )}
      {step === 2 && (
        <StepParams
          seed={seed}
          onSeed={setSeed}
          split={split}
          splitError={splitQuery.error}
          imported={imported}
          probeSetId={probeSetId}
          splitChoice={chosenImported ? chosenImported.id : null}
          onSplitChoice={setSplitChoice}
          params={params}
          errors={checked.errors}
          onParams={setParams}
        />
      )}
      {step === 3 && chosenSet && conceptSource && sourceOk && split && checked.ok && (
        <StepReview
          set={chosenSet}
          model={models.find((m) => m.id === chosenSet.modelId)}
          concepts={nConcepts}
          conceptSource={conceptSource}
          sourceLabel={
            source.kind === 'labels'
              ? 'labels of the probe set'
              : `${chosenConceptSet?.name ?? 'concept set'} scored by ${chosenEncoder?.name ?? 'encoder'}${source.filter ? ', top-5 filtered first' : ''}`
          }
          split={split}
          params={params}
          values={checked.value}
          onRun={onRun}
        />
      )}
      <div className="actions wizard-nav">
        <button type="button" disabled={step === 0} onClick={() => go(step - 1)} data-testid="wizard-back">
          Back
        </button>
        {step < 3 && (
          <button type="button" className="primary" disabled={!canNext} onClick={() => go(step + 1)} data-testid="wizard-next">
            Next
          </button>
        )}
      </div>
    </section>
  );
}

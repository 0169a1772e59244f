import { contract } from '../../../../shared/contract';
import { defaultText, fieldError, numberFromText, shapeOf } from '../../lib/forms';
import { useState } from 'react';
import { JobStatus } from '../jobs';
import { useApp } from '../../lib/appContext';
import { jobKey, useJob, useJobStore } from '../jobs';
import type { ProbeSetInfo } from '../../lib/types';
import { CalibrationReportView } from './CalibrationReportView';
import type { CalibrationReport, EncoderInfo } from './types';
import { ProbeSetSelect } from '../probes';

const STEPS = ['Probe set', 'Fit', 'Results'] as const;
const SHARE = shapeOf(contract['calibration.run'].input).maxSuperclassShare;

/** Fit (a, b) of an encoder on a labelled probe set: pick the set -> run the job -> BCE, reliability, AUROC. */
export function CalibrationWizard({ encoder, probeSets }: { encoder: EncoderInfo; probeSets: ProbeSetInfo[] }) {
  const { project } = useApp();
  const store = useJobStore();
  const usable = probeSets.filter((p) => p.complete && p.images > 0);
  const [probeSetId, setProbeSetId] = useState<number | null>(usable[0]?.id ?? null);
  const [share, setShare] = useState(() => defaultText(SHARE));
  const key = jobKey('calibration.run', project?.path, encoder.id);
  const job = useJob(key);
  // Coming back to the screen: a running job shows its progress, a finished one its report.
  const [report, setReport] = useState<CalibrationReport | null>(job?.status === 'done' ? (job.output as CalibrationReport) : null);
  const [step, setStep] = useState(job?.status === 'running' ? 1 : report ? 2 : 0);
  // Checked with calibration.run's schema.
  const shareNum = numberFromText(share);
  const shareError = fieldError(SHARE, shareNum);
  const shareOk = shareError === null;

  function start() {
    if (probeSetId === null) return;
    store.dismiss(key);
    setReport(null);
    setStep(1);
    void store
      .start(key, `Calibrate ${encoder.name}`, 'calibration.run', { encoderId: encoder.id, probeSetId, maxSuperclassShare: shareNum })
      .then((out) => {
        if (!out) return;
        setReport(out);
        setStep(2);
      });
  }

  return (
    <section className="card calibration-wizard" data-testid="calibration-wizard" data-step={step}>
      <h3>Calibrate on labelled images</h3>
      <ol className="wizard-steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
            <button
              type="button"
              className="link"
              disabled={i > step || (i === 2 && !report)}
              onClick={() => setStep(i)}
              data-testid={`cal-step-${i}`}
            >
              <span className="wizard-num">{i + 1}</span> {s}
            </button>
          </li>
        ))}
      </ol>
      {step === 0 && (
        <div className="stack">
          <p className="hint">
            Fits P = sigmoid(a·(cos + b)) to the class and superclass labels of a probe set by minimising binary cross-entropy (reference
            grid, then a continuous refine). The image embeddings are cached for later runs.
          </p>
          {usable.length === 0 && <p className="warn-text">Import a labelled probe set first (Probe sets screen).</p>}
          <ProbeSetSelect probeSets={usable} value={probeSetId} onChange={setProbeSetId} testId="cal-probeset" />
          <label className="inline-field">
            Skip superclasses covering more than{' '}
            <input
              className="param-input"
              value={share}
              onChange={(e) => setShare(e.target.value)}
              inputMode="decimal"
              aria-label="Max superclass share"
              data-testid="cal-share"
            />
            of the classes
          </label>
          {!shareOk && <p className="warn-text">The share {shareError}.</p>}
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={probeSetId === null || !shareOk || job?.status === 'running'}
              onClick={start}
              data-testid="cal-start"
            >
              Calibrate
            </button>
          </div>
        </div>
      )}
      {step === 1 && <JobStatus runKey={key} testId="cal" />}
      {step === 1 && job?.status !== 'running' && (
        <div className="actions">
          <button type="button" onClick={() => setStep(0)} data-testid="cal-back">
            Back
          </button>
        </div>
      )}
      {step === 2 && report && <CalibrationReportView report={report} />}
    </section>
  );
}

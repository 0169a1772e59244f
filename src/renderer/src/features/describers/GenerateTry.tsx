import { useState, type FormEvent } from 'react';
import { GenerationOptions } from '../../../../shared/contract';
import { ConfirmReplace } from '../../components/ConfirmReplace';
import { ErrorBox } from '../../components/ErrorBox';
import { PathField } from '../../components/PathField';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { checkInput, defaultText, numberFromText } from '../../lib/forms';
import { useContractMutation, useContractQueries } from '../../lib/query';
import { jobKey, useJob, useJobStore } from '../jobs';
import { NumberField } from './CaptionTry';
import { RunStatus } from './RunStatus';
import type { DescriberInfo } from './types';
import { FreshToggle } from './FreshToggle';

const G = GenerationOptions.shape;
type Scheduler = 'config' | 'ddim' | 'euler';

/** Write the shown images as PNG files into a folder; an existing file is asked about (ConfirmReplace), never replaced silently. */
function ExportImages({ imageIds }: { imageIds: number[] }) {
  const exportPngs = useContractMutation('generated.export', { changes: 'nothing' });
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [done, setDone] = useState<string[] | null>(null);

  async function run(overwrite: boolean, ev?: FormEvent) {
    ev?.preventDefault();
    if (!folder.trim()) return;
    setError(null);
    setConfirm(null);
    setDone(null);
    try {
      setDone((await exportPngs.run({ imageIds, folder: folder.trim(), overwrite })).files);
    } catch (err) {
      const shown = toShownError(err);
      const path = (shown.data as { path?: unknown } | undefined)?.path;
      if (shown.code === 'file_exists') setConfirm(typeof path === 'string' ? path : folder.trim());
      else setError(shown);
    }
  }

  return (
    <form className="stack generate-export" onSubmit={(ev) => void run(false, ev)} data-testid="generate-export">
      <PathField
        id="generate-export-folder"
        label="Export PNGs to a folder"
        value={folder}
        onChange={setFolder}
        kind="folder"
        testId="generate-export-folder"
      />
      <div className="actions">
        <button type="submit" disabled={!folder.trim() || exportPngs.busy} data-testid="generate-export-submit">
          Export {imageIds.length} PNG{imageIds.length === 1 ? '' : 's'}
        </button>
      </div>
      {confirm && (
        <ConfirmReplace path={confirm} onReplace={() => void run(true)} onKeep={() => setConfirm(null)} testId="generate-confirm-replace" />
      )}
      <ErrorBox error={error} testId="generate-export-error" />
      {done && (
        <p className="ok-text" data-testid="generate-export-done" data-files={done.length}>
          Wrote {done.length} file{done.length === 1 ? '' : 's'}: {done.map((f) => f.split(/[\\/]/).pop()).join(', ')}
        </p>
      )}
    </form>
  );
}

/** Generate N images from a prompt with the selected image generator: progress in UNet steps, Cancel, the images. */
export function GenerateTry({ model }: { model: DescriberInfo }) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('generate.images', project?.path, model.id);
  const job = useJob(key);
  const [prompt, setPrompt] = useState('a realistic image of a sneaker');
  const [negative, setNegative] = useState('');
  const [count, setCount] = useState(() => defaultText(G.count));
  const [seed, setSeed] = useState(() => defaultText(G.seed));
  const [steps, setSteps] = useState(() => defaultText(G.steps));
  const [guidance, setGuidance] = useState(() => defaultText(G.guidance));
  const [scheduler, setScheduler] = useState<Scheduler>('config');
  const [batch, setBatch] = useState(() => defaultText(G.batchSize));
  const [fresh, setFresh] = useState(false);

  const opts = checkInput(GenerationOptions, {
    prompt,
    negativePrompt: negative,
    count: numberFromText(count),
    seed: numberFromText(seed),
    steps: numberFromText(steps),
    guidance: numberFromText(guidance),
    scheduler,
    batchSize: numberFromText(batch),
  });
  const running = job?.status === 'running';
  const ready = opts.ok && !running;
  const out = job?.status === 'done' ? job.output : null;
  const rows = out?.images ?? [];
  const pictures = useContractQueries(
    'generated.image',
    rows.map((r) => ({ imageId: r.id })),
  );
  const made = rows.filter((r) => !r.cached).length;
  const scheduled = typeof model.details.scheduler === 'string' ? model.details.scheduler : 'the one in scheduler_config.json';

  function run() {
    if (!ready || !opts.ok) return;
    store.dismiss(key);
    void store.start(
      key,
      `Generate with ${model.name}`,
      'generate.images',
      { describerId: model.id, ...opts.value, fresh },
      { toast: () => null },
    );
  }

  return (
    <div className="stack try generate-try" data-testid="generate-try">
      <div className="field">
        <label htmlFor="gen-prompt">Prompt</label>
        <input id="gen-prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="gen-prompt" />
        {opts.errors.prompt && <span className="warn-text">The prompt {opts.errors.prompt}.</span>}
      </div>
      <div className="field">
        <label htmlFor="gen-negative">Negative prompt (optional; the unguided branch of classifier-free guidance)</label>
        <input id="gen-negative" value={negative} onChange={(e) => setNegative(e.target.value)} data-testid="gen-negative" />
      </div>
      <div className="try-params">
        <NumberField label="Images" value={count} onChange={setCount} error={opts.errors.count} testId="gen-count" />
        <NumberField label="Seed (image i uses seed + i)" value={seed} onChange={setSeed} error={opts.errors.seed} testId="gen-seed" />
        <NumberField label="Denoising steps" value={steps} onChange={setSteps} error={opts.errors.steps} testId="gen-steps" />
        <NumberField
          label="Guidance scale (1 = none)"
          value={guidance}
          onChange={setGuidance}
          error={opts.errors.guidance}
          testId="gen-guidance"
        />
        <label className="try-field">
          <span>Scheduler</span>
          <select value={scheduler} onChange={(e) => setScheduler(e.target.value as Scheduler)} data-testid="gen-scheduler">
            <option value="config">as configured ({scheduled})</option>
            <option value="ddim">DDIM (deterministic)</option>
            <option value="euler">Euler</option>
          </select>
        </label>
        <NumberField
          label="Images per UNet call (memory grows with it)"
          value={batch}
          onChange={setBatch}
          error={opts.errors.batchSize}
          testId="gen-batch"
        />
      </div>
      <div className="try-checks">
        <FreshToggle checked={fresh} onChange={setFresh} label="Make them again even if cached" testId="gen-fresh" />
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!ready} onClick={run} data-testid="gen-run">
          Generate
        </button>
      </div>
      <RunStatus
        runKey={key}
        testId="gen"
        unit="Counted in UNet denoising steps: images × steps."
        cancelledText="Cancelled: the images finished before Cancel are cached; Generate again makes only the rest."
      />
      {out && (
        <div className="try-result stack" data-testid="gen-result" data-count={rows.length}>
          <p className="hint" data-testid="gen-timing">
            {made === 0
              ? 'All cached: made earlier with the same model files and settings (prompt, seed, steps, guidance, scheduler).'
              : `${made} made now in ${out.seconds.toFixed(1)} s: ${(out.seconds / made).toFixed(2)} seconds per image, this run (including loading the model the first time)${
                  made < rows.length ? `; ${rows.length - made} cached` : ''
                }.`}
          </p>
          {out.warnings.map((w) => (
            <p key={w} className="banner banner-warn" data-testid="gen-warning">
              {w}
            </p>
          ))}
          <div className="gen-grid">
            {rows.map((r, i) => {
              const pic = pictures[i];
              return (
                <figure
                  key={r.id}
                  className="gen-cell"
                  data-testid="gen-image"
                  data-seed={r.seed}
                  data-cached={r.cached}
                  data-loaded={pic !== null}
                >
                  {pic ? <img src={pic.dataUrl} alt={`seed ${r.seed}`} draggable={false} /> : <span className="gen-placeholder" />}
                  <figcaption>
                    seed {r.seed} · {r.width}×{r.height}
                    {r.cached && (
                      <span className="badge" title="made earlier with the same model files and settings">
                        cached
                      </span>
                    )}
                  </figcaption>
                </figure>
              );
            })}
          </div>
          <ExportImages imageIds={rows.map((r) => r.id)} />
        </div>
      )}
    </div>
  );
}

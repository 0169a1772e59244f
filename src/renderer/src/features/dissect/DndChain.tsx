import type { CSSProperties, ReactNode } from 'react';
import type { DndChain as Chain } from '../../../../shared/contract';
import { BoxedImage, boxText, type Box } from '../../components/BoxedImage';
import { ErrorBox } from '../../components/ErrorBox';
import { formatValue } from '../../lib/format';
import { useContractQueries, useContractQuery } from '../../lib/query';

const PROBE_SIZE = 150;
const CAPTION_SIZE = 64;
const GEN_SIZE = 84;

const fixed = (v: number | null, digits = 3) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** Thumbnails of probe images by id (one request for the section). */
function useThumbs(ids: number[], size: number): Map<number, string> {
  const q = useContractQuery('probe.thumbnails', ids.length ? { imageIds: [...new Set(ids)], size } : null);
  return new Map((q.data ?? []).flatMap((t) => (t.dataUrl ? [[t.id, t.dataUrl] as const] : [])));
}

/** What was captioned: the whole thumbnail, or only the crop's pixels scaled to `size` wide. */
function CroppedThumb({
  url,
  box,
  width,
  height,
  alt,
}: {
  url: string | undefined;
  box: Box | null;
  width: number;
  height: number;
  alt: string;
}) {
  if (!url) return <span className="gen-placeholder" style={{ width: CAPTION_SIZE, height: CAPTION_SIZE }} />;
  if (!box) return <img src={url} alt={alt} width={CAPTION_SIZE} draggable={false} className="dnd-thumb" />;
  const scale = CAPTION_SIZE / (box[2] - box[0]);
  const style: CSSProperties = { width: CAPTION_SIZE, height: (box[3] - box[1]) * scale };
  const img: CSSProperties = { width: width * scale, height: height * scale, left: -box[0] * scale, top: -box[1] * scale };
  return (
    <div className="dnd-crop" style={style}>
      <img src={url} alt={`${alt} crop ${boxText(box)}`} style={img} draggable={false} />
    </div>
  );
}

function Step({ n, title, hint, children, testId }: { n: number; title: string; hint?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <div className="dnd-step" data-testid={testId}>
      <h5>
        {n}. {title}
      </h5>
      {hint && <p className="hint">{hint}</p>}
      {children}
    </div>
  );
}

/** One candidate's generated images: the neuron's activation on each and its rank among all candidates' images. */
function CandidateImages({ row, topGlobal }: { row: Chain['selection'][number]; topGlobal: number }) {
  const pics = useContractQueries(
    'generated.image',
    row.images.map((i) => ({ imageId: i.generatedId })),
  );
  return (
    <div className="dnd-candidate" data-testid="dnd-candidate" data-concept={row.concept}>
      <p>
        <strong>{row.concept}</strong> <span className="hint">prompt “{row.prompt}”</span>
      </p>
      <div className="gen-grid dnd-gen-grid">
        {row.images.map((im, i) => (
          <figure
            key={im.generatedId}
            className={`gen-cell${im.inTop ? ' dnd-in-top' : ''}`}
            title={`seed ${im.seed}\nactivation ${formatValue(im.activation)}\nrank ${im.rank} among all candidates' generated images (0 = highest)${im.inTop ? ` (in the global top ${topGlobal})` : ''}`}
            data-testid="dnd-gen-image"
            data-loaded={pics[i] !== null}
            data-in-top={im.inTop}
          >
            {pics[i] ? (
              <img src={pics[i]?.dataUrl} alt={`${row.concept}, seed ${im.seed}`} width={GEN_SIZE} draggable={false} />
            ) : (
              <span className="gen-placeholder" style={{ width: GEN_SIZE, height: GEN_SIZE }} />
            )}
            <figcaption>
              act <span className="mono">{formatValue(im.activation)}</span> · rank <span className="mono">{im.rank}</span>
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}

/**
 * A neuron's Describe-and-Dissect chain, every step in order: the top probe images with their crop boxes, what was
 * captioned and the captions, the language model's answers, the candidates, each candidate's generated images with
 * the neuron's activation and rank, the selection scores, the labels (and near-duplicates dropped).
 */
export function DndChainSection({ runId, neuron, topGlobal = 10 }: { runId: number; neuron: number; topGlobal?: number }) {
  const q = useContractQuery('dnd.chain', { runId, neuron });
  const chain = q.data?.runId === runId && q.data.neuron === neuron ? q.data : null;
  const probeIds = chain ? [...chain.probe.map((p) => p.imageId), ...chain.captioned.map((c) => c.imageId)] : [];
  const big = useThumbs(chain ? chain.probe.map((p) => p.imageId) : [], PROBE_SIZE);
  const small = useThumbs(probeIds, 128);
  const sizeOf = new Map(chain?.probe.map((p) => [p.imageId, p]) ?? []);
  return (
    <section className="card dnd-chain stack" data-testid="dnd-chain" data-status={chain?.status ?? ''} data-neuron={neuron}>
      <h4>Describe-and-Dissect chain</h4>
      <ErrorBox error={q.error} />
      {!chain && !q.error && <p className="hint">Loading the chain of unit {neuron}…</p>}
      {chain && chain.status !== 'done' && (
        <p className="warn-text" data-testid="dnd-chain-note">
          {chain.status === 'pending' ? 'Not described yet: the run has not reached this neuron.' : `No labels (${chain.status}).`}{' '}
          {chain.note}
        </p>
      )}
      {chain && chain.status === 'done' && chain.note && <p className="hint">{chain.note}</p>}
      {chain && chain.probe.length > 0 && (
        <Step
          n={1}
          title="Top probe images and attention crops"
          hint={
            chain.probe.every((p) => p.threshold === null)
              ? "The neuron's highest activations on the probe set (stored values). No crops: the layer has no spatial map (e.g. logits), or crops were switched off."
              : "The neuron's highest activations on the probe set (stored values). Boxes: the crops kept from its spatial map (Otsu threshold on 0..255), numbered; each crop's activation is the neuron's on that crop alone."
          }
          testId="dnd-step-probe"
        >
          <div className="dnd-probe-grid">
            {chain.probe.map((p) => (
              <figure
                key={p.imageId}
                className="dnd-probe"
                data-testid="dnd-probe-image"
                data-image-id={p.imageId}
                data-crops={p.crops.length}
              >
                <BoxedImage image={p} url={big.get(p.imageId)} size={PROBE_SIZE} boxTestId="dnd-crop-box" />
                <figcaption>
                  <span className="mono" title={p.relPath}>
                    {p.relPath.split('/').pop()}
                  </span>
                  <br />
                  activation <span className="mono">{formatValue(p.activation)}</span>
                  {p.threshold !== null && (
                    <>
                      {' '}
                      · threshold <span className="mono">{p.threshold.toFixed(0)}</span>
                    </>
                  )}
                  {p.threshold !== null && p.crops.length === 0 && <span className="hint"> · no crop kept</span>}
                  {p.crops.map((c, i) => (
                    <span key={i} className="dnd-crop-line">
                      crop {i + 1}: {boxText(c.box)} · activation <span className="mono">{formatValue(c.activation)}</span>
                    </span>
                  ))}
                </figcaption>
              </figure>
            ))}
          </div>
        </Step>
      )}
      {chain && chain.captioned.length > 0 && (
        <Step
          n={2}
          title="Captioned images"
          hint="Originals and crops together, re-ranked by the neuron's activation; the best ones were captioned (or given their nearest concept, under CLIP captioning)."
          testId="dnd-step-captions"
        >
          <table className="table dnd-captions">
            <thead>
              <tr>
                <th>Image</th>
                <th>What</th>
                <th title="the neuron's activation on this image or crop">Activation</th>
                <th>Caption</th>
                {chain.captioned.some((c) => c.simplified !== null) && <th>Simplified</th>}
              </tr>
            </thead>
            <tbody>
              {chain.captioned.map((c, i) => {
                const size = sizeOf.get(c.imageId);
                return (
                  <tr key={i} data-testid="dnd-caption" data-image-id={c.imageId}>
                    <td>
                      <CroppedThumb
                        url={small.get(c.imageId)}
                        box={c.box}
                        width={size?.width ?? 1}
                        height={size?.height ?? 1}
                        alt={size?.relPath ?? `image ${c.imageId}`}
                      />
                    </td>
                    <td className="hint">
                      {size?.relPath.split('/').pop() ?? `image #${c.imageId}`}
                      <br />
                      {c.box ? `crop ${boxText(c.box)}` : 'whole image'}
                    </td>
                    <td className="mono">{formatValue(c.activation)}</td>
                    <td data-testid="dnd-caption-text">{c.caption}</td>
                    {chain.captioned.some((x) => x.simplified !== null) && <td>{c.simplified ?? '—'}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Step>
      )}
      {chain && chain.answers.length > 0 && (
        <Step
          n={3}
          title="Language model answers"
          hint="One call per candidate, each over the captions in its own seeded shuffle; the concept is the answer after post-processing (lowercase, no trailing period)."
          testId="dnd-step-answers"
        >
          <table className="table">
            <thead>
              <tr>
                <th>Call</th>
                <th>Seed</th>
                <th>Raw answer</th>
                <th>Concept</th>
              </tr>
            </thead>
            <tbody>
              {chain.answers.map((a) => (
                <tr key={a.call} data-testid="dnd-answer">
                  <td className="mono">{a.call}</td>
                  <td className="mono">{a.seed}</td>
                  <td className="mono dnd-raw">{a.text}</td>
                  <td>{a.concept ?? <span className="hint">none (unusable answer)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Step>
      )}
      {chain && (
        <Step n={4} title="Candidates" hint="De-duplicated concepts that go on to selection." testId="dnd-step-candidates">
          {chain.candidates.length === 0 ? (
            <p className="hint">No candidate survived.</p>
          ) : (
            <ul className="chip-list">
              {chain.candidates.map((c) => (
                <li key={c} className="chip" data-testid="dnd-candidate-chip">
                  {c}
                </li>
              ))}
            </ul>
          )}
        </Step>
      )}
      {chain && chain.selection.length > 0 && (
        <Step
          n={5}
          title="Generated images per candidate"
          hint={
            <>
              The neuron's activation on each generated image and its rank among all candidates' images together (0 = the highest
              activation). <span className="dnd-in-top-key">Outlined</span>: in the global top {topGlobal}, the images the weight term uses.
            </>
          }
          testId="dnd-step-generated"
        >
          {chain.selection.map((row) => (
            <CandidateImages key={row.concept} row={row} topGlobal={topGlobal} />
          ))}
        </Step>
      )}
      {chain && chain.selection.length > 0 && (
        <Step n={6} title="Best-concept selection" testId="dnd-step-selection">
          <table className="table dnd-selection">
            <thead>
              <tr>
                <th>Candidate</th>
                <th>Rank term</th>
                <th>Concept rank</th>
                <th>Weight</th>
                <th>Score</th>
              </tr>
            </thead>
            <tbody>
              {[...chain.selection]
                .sort((a, b) => b.score - a.score)
                .map((s) => (
                  <tr key={s.concept} data-testid="dnd-selection-row" data-concept={s.concept}>
                    <td>{s.concept}</td>
                    <td className="mono">{fixed(s.rankTerm, 2)}</td>
                    <td className="mono">{fixed(s.conceptRank, 0)}</td>
                    <td className="mono">{fixed(s.weight)}</td>
                    <td className="mono">{fixed(s.score)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <ul className="hint dnd-legend">
            <li>
              <strong>Rank term</strong>: mean of the squares of the β best ranks of the candidate’s images (lower = its images drive the
              neuron harder).
            </li>
            <li>
              <strong>Concept rank</strong>: the number of candidates ({chain.selection.length}) for the lowest rank term, down to 1 for the
              highest.
            </li>
            <li>
              <strong>Weight</strong>: mean image-embedding similarity between the neuron’s top probe images and the candidate’s images in
              the global top {topGlobal} (−1 when none of its images is there).
            </li>
            <li>
              <strong>Score</strong>: concept rank × weight; the highest is the first label (rows sorted by it).
            </li>
          </ul>
        </Step>
      )}
      {chain && (
        <Step n={7} title="Labels" testId="dnd-step-labels">
          {chain.labels.length === 0 ? (
            <p className="hint">No label.</p>
          ) : (
            <ol className="dnd-labels">
              {chain.labels.map((l) => (
                <li key={l.concept} data-testid="dnd-label">
                  <strong>{l.concept}</strong> {l.score !== null && <span className="hint">score {fixed(l.score)}</span>}
                </li>
              ))}
            </ol>
          )}
          {chain.dropped.length > 0 && (
            <p className="hint" data-testid="dnd-dropped">
              Dropped as near-duplicates (text similarity above the limit):{' '}
              {chain.dropped.map((d) => `“${d.concept}” (${d.similarity.toFixed(2)} to “${d.similarTo}”)`).join(', ')}.
            </p>
          )}
          <p className="hint" data-testid="dnd-interpretability">
            Interpretability (mean pairwise image-embedding similarity of the top images):{' '}
            <span className="mono">{fixed(chain.interpretability)}</span>
            {Object.keys(chain.seconds).length > 0 && (
              <>
                {' '}
                · seconds per stage:{' '}
                {Object.entries(chain.seconds)
                  .map(([k, v]) => `${k} ${v.toFixed(2)}`)
                  .join(', ')}
              </>
            )}
          </p>
        </Step>
      )}
    </section>
  );
}

import { useState } from 'react';
import { useApp } from '../../lib/appContext';
import { useContractMutation } from '../../lib/query';
import { formatAB, type EncoderInfo } from './types';

/** The project's encoders: layout, dimension, file status and the calibration in use; select or remove one. */
export function EncoderList({
  encoders,
  selectedId,
  onSelect,
}: {
  encoders: EncoderInfo[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}) {
  const { reportError } = useApp();
  const removeEncoder = useContractMutation('encoder.remove', { changes: ['concepts'] });
  const [busy, setBusy] = useState<number | null>(null);

  async function remove(e: EncoderInfo) {
    if (!window.confirm(`Remove the encoder “${e.name}” and its calibrations from this project? The files on disk stay.`)) return;
    setBusy(e.id);
    try {
      await removeEncoder.run({ encoderId: e.id });
    } catch (err) {
      reportError(err, 'Cannot remove the encoder');
    } finally {
      setBusy(null);
    }
  }

  if (encoders.length === 0) return <p className="hint">No encoders yet: add an exported SigLIP or CLIP folder below.</p>;
  return (
    <div className="table-scroll">
      <table className="table encoders" data-testid="encoder-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Layout</th>
            <th className="num">Dim</th>
            <th>Status</th>
            <th>Calibration in use</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {encoders.map((e) => (
            <tr
              key={e.id}
              className={`select-row${e.id === selectedId ? ' selected' : ''}`}
              onClick={() => onSelect(e.id)}
              data-testid="encoder-row"
              data-name={e.name}
              data-id={e.id}
              data-calibrated={e.calibration !== null}
            >
              <td>
                <button type="button" className="link" onClick={() => onSelect(e.id)} title={e.path}>
                  {e.name}
                </button>
              </td>
              <td>{e.layout}</td>
              <td className="num">{e.dim}</td>
              <td>
                <span className={`model-status-${e.status}`} data-testid="encoder-status">
                  {e.status}
                </span>
              </td>
              <td data-testid="encoder-calibration">
                {e.calibration ? (
                  <>
                    <span className="mono">{formatAB(e.calibration)}</span> <span className="badge">{e.calibration.source}</span>
                  </>
                ) : (
                  <span className="warn-text">not calibrated</span>
                )}
              </td>
              <td className="actions-cell">
                <button
                  type="button"
                  className="danger"
                  disabled={busy === e.id}
                  onClick={(ev) => {
                    ev.stopPropagation();
                    void remove(e);
                  }}
                  data-testid="encoder-remove"
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

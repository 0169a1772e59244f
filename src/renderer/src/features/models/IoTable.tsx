import type { ModelInfo, TensorSpec } from '../../../../shared/contract';
import { formatDims } from './format';

/** The model's inputs and outputs with element types and dims (symbolic dims by name, unknown as "?"). */
export function IoTable({ info }: { info: ModelInfo }) {
  const rows: Array<{ dir: 'input' | 'output'; t: TensorSpec }> = [
    ...info.inputs.map((t) => ({ dir: 'input' as const, t })),
    ...info.outputs.map((t) => ({ dir: 'output' as const, t })),
  ];
  return (
    <table className="table" data-testid="model-io">
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Dims</th>
          <th scope="col">Role</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ dir, t }) => (
          <tr key={`${dir}:${t.name}`} data-testid={`io-${dir}`} data-name={t.name}>
            <td>{dir}</td>
            <td className="mono">{t.name}</td>
            <td className="mono">{t.elemType}</td>
            <td className="mono" data-testid="io-dims">
              {formatDims(t.dims)}
            </td>
            <td className="hint">
              {t.name === info.imageInput && `image input (${info.layout}, ${info.channels} ch)`}
              {t.name === info.logitsOutput && 'logits'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

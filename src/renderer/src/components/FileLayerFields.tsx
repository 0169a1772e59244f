// The two questions an import of per-layer results asks about the file's layer names (explain.import, labels.import):
// which layer's rows to take when the file has several, and whether a file naming its layer differently (e.g. the
// original framework's module name) may still be imported for this one.

export function FileLayerFields({
  layer,
  setLayer,
  allowMismatch,
  setAllowMismatch,
  testIds,
}: {
  layer: string;
  setLayer: (v: string) => void;
  allowMismatch: boolean;
  setAllowMismatch: (v: boolean) => void;
  /** data-testid of the layer input and of the checkbox. */
  testIds: { layer: string; mismatch: string };
}) {
  return (
    <>
      <input
        value={layer}
        onChange={(e) => setLayer(e.target.value)}
        placeholder="layer in the file (if it has several)"
        aria-label="Layer in the file"
        data-testid={testIds.layer}
      />
      <label title="The file names its layer differently (e.g. the original framework's module name) but is for this layer">
        <input
          type="checkbox"
          checked={allowMismatch}
          onChange={(e) => setAllowMismatch(e.target.checked)}
          data-testid={testIds.mismatch}
        />{' '}
        the file&apos;s layer name differs
      </label>
    </>
  );
}

// Migration 4: non-finite activations (issue #11). Never edit once shipped (its hash is recorded, see 001).
// A model can produce NaN or +-Infinity (NaN weights, overflow, log of a negative, 1/0). An extraction run with
// onNonFinite 'flag' stores such values as they are; each neuron's stats are then computed over its finite
// values only, and `non_finite` says how many of its values were left out (> 0 = the neuron is flagged, and
// explain/ablation leave it out). `non_finite_logits` counts the set's non-finite logits the same way.
// Old rows read 0: sets completed before this migration had only finite values (a NaN failed the NOT NULL).
export const sql = `
ALTER TABLE neuron_stats ADD COLUMN non_finite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE activation_sets ADD COLUMN non_finite_logits INTEGER NOT NULL DEFAULT 0;
`;

// Migration 6: a column-major copy of every activation matrix. Never edit once shipped (its hash is recorded, see 001).
// `activation_chunks` stores N x K row blocks (what extraction produces and resumes by), so reading one neuron read
// the whole matrix. `neuron_columns` holds each neuron's N values (the same float32 bytes, image-id order) in a row
// of its own, so a neuron page reads N x 4 bytes. `neuron_profiles` holds, per set, each neuron standardised over a
// seeded sample of at most 4096 images (all images when there are fewer): Pearson r of two neurons is the dot
// product of their profiles, which is what "similar units" ranks by. The profile row is written last, in the
// same transaction as the columns, so its presence says the copy is complete. Sets extracted before this
// migration get their copy the first time a single neuron is read (docs/browse.md).
export const sql = `
CREATE TABLE neuron_columns (
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  neuron            INTEGER NOT NULL CHECK (neuron >= 0),
  data              BLOB NOT NULL,  -- little-endian float32, the neuron's n_images values in row (image-id) order
  PRIMARY KEY (activation_set_id, neuron)
);
CREATE TABLE neuron_profiles (
  activation_set_id INTEGER PRIMARY KEY REFERENCES activation_sets(id) ON DELETE CASCADE,
  seed              INTEGER NOT NULL,
  n_sample          INTEGER NOT NULL,  -- images in the basis (= n_images when the sample is all of them)
  rows              BLOB NOT NULL,     -- little-endian int32, the basis rows ascending
  data              BLOB NOT NULL,     -- little-endian float32, n_neurons x n_sample: (x - mean) / sqrt(sum (x - mean)^2)
  usable            BLOB NOT NULL,     -- n_neurons bytes: 1 = finite and not constant on the basis
  created_at        TEXT NOT NULL
);
`;

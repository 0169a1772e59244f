import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, extract, FIX, probeProject } from './explain.helpers';

// Concepts and typed texts made of words the encoder's tokenizer does not know (issue #17). The fixture encoder's
// tokenizer is word-level over an 82-word clothing vocabulary with <unk>: "xyzzy", "plugh" and "qwerty" are not in
// it (planted), "leather" and "sandal" are.

const ENC_A = join(FIX, 'encoders/fmnist_siglip_a');

describe('unknown words: listed at concept-set use, in the filter report and under a typed-text score', () => {
  it('lists the all-unknown concepts, warns in the filter report, and explains a typed-text score of unknown words', async () => {
    const f = await probeProject(3);
    const enc = await call(f.backend, 'encoder.add', { path: ENC_A });
    await call(f.backend, 'calibration.run', { encoderId: enc.id, probeSetId: f.probeSetId });
    const file = join(f.dir, 'concepts.txt');
    writeFileSync(file, 'sandal\nankle boot\nxyzzy\nqwerty plugh\nleather xyzzy\nhandbag\n');
    const { set } = await call(f.backend, 'conceptSet.import', { path: file });

    // At use with an encoder: the concepts whose every word is unknown, named; a half-known one is not listed.
    const u = await call(f.backend, 'conceptSet.unknownWords', { conceptSetId: set.id, encoderId: enc.id });
    expect(u.total).toBe(6);
    expect(u.unknown).toEqual(['xyzzy', 'qwerty plugh']);
    expect(u.warning).toMatch(/^2 of 6 concepts are made only of words .* does not know \(xyzzy, qwerty plugh\)/);

    // The filter report lists them too (they are scored like any other concept).
    const r = await call(f.backend, 'conceptSet.filter', { conceptSetId: set.id, encoderId: enc.id, probeSetId: f.probeSetId });
    expect(r.unknown).toEqual(['xyzzy', 'qwerty plugh']);
    expect(r.warning).toContain('(xyzzy, qwerty plugh)');

    // A known-words set: nothing to say.
    writeFileSync(join(f.dir, 'known.txt'), 'sandal\nhandbag\n');
    const known = (await call(f.backend, 'conceptSet.import', { path: join(f.dir, 'known.txt') })).set;
    expect(await call(f.backend, 'conceptSet.unknownWords', { conceptSetId: known.id, encoderId: enc.id })).toEqual({
      total: 2,
      unknown: [],
      warning: null,
    });

    // Typed text under the encoder: the score comes with the unknown words and a warning.
    const setId = await extract(f, CNN, CNN_POOLED);
    const run = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0] });
    const score = (text: string) => call(f.backend, 'explain.scoreText', { runId: run.run.id, neuron: 0, text, simulator: enc.id });
    const none = await score('xyzzy plugh');
    expect(none.unknownWords).toEqual(['xyzzy', 'plugh']);
    expect(none.warning).toMatch(/^None of the words of "xyzzy plugh" are known to .*: the text is embedded as the unknown token/);
    const half = await score('leather xyzzy');
    expect(half.unknownWords).toEqual(['xyzzy']);
    expect(half.warning).toMatch(/^1 word\(s\) of "leather xyzzy" are not known to .* \(xyzzy\)/);
    const fine = await score('sandal');
    expect(fine).toMatchObject({ unknownWords: [], warning: null });
    // The label simulator has no tokenizer: nothing to warn about.
    const label = await call(f.backend, 'explain.scoreText', { runId: run.run.id, neuron: 0, text: 'Sandal' });
    expect(label).toMatchObject({ unknownWords: [], warning: null });
  }, 120_000);
});

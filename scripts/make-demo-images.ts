// Writes the demo's image folders, real Fashion-MNIST images (Debian's dataset-fashion-mnist) in the folder tree the
// workbench reads as classes + superclasses:
//   resources/demo/probe   60 test images per class: the demo probe set;
//   resources/demo/unseen  12 *train* images per class (none in the probe set): the second labelled probe set whose
//                          classes play concepts the runs never saw ("find a classifier for a new concept").
// Run once by a maintainer: `npx tsx scripts/make-demo-images.ts [probe|unseen]` (default both); the output is committed.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFashionMnistTree } from '../test/helpers/fashionMnist';

const which = process.argv[2];
const sets = [
  // Start past the first 32 test images, which the golden activation fixtures use.
  { name: 'probe', opts: { perClass: 60, split: 'test' as const, start: 32 } },
  { name: 'unseen', opts: { perClass: 12, split: 'train' as const } },
].filter((s) => !which || s.name === which);
for (const s of sets) {
  const out = join(import.meta.dirname, '..', 'resources', 'demo', s.name);
  await rm(out, { recursive: true, force: true });
  const { files, classes } = await writeFashionMnistTree(out, s.opts);
  console.log(JSON.stringify({ out, images: files.length, classes: classes.map((c) => `${c.path}: ${c.count}`) }, null, 2));
}

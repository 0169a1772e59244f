import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ancestorsOf, classMatcher, folderKinds, folderLabelsOf } from '../../src/main/core/features/probes/labelRules';
import { readLabelsCsv } from '../../src/main/core/features/probes/labelsCsv';
import { parseCsv } from '../../src/main/core/platform/files/csv';
import { AppError } from '../../src/shared/errors';
import { tempDir } from '../helpers/tempDir';

const tree = [
  'root.png',
  'Bag/a.png',
  'footwear/Sandal/b.png',
  'footwear/Sneaker/c.png',
  'footwear/loose.png',
  'x/y/z/deep.png',
  'other/Sandal/d.png',
];

describe('folder labels', () => {
  it('makes leaf folders classes and every folder above an image a superclass', () => {
    const kinds = folderKinds(tree);
    expect(Object.fromEntries(kinds)).toEqual({
      Bag: 'class',
      'footwear/Sandal': 'class',
      'footwear/Sneaker': 'class',
      footwear: 'superclass',
      'x/y/z': 'class',
      'x/y': 'superclass',
      x: 'superclass',
      other: 'superclass',
      'other/Sandal': 'class',
    });
    expect(folderLabelsOf('root.png', kinds)).toEqual({ classPath: null, superclassPaths: [] });
    expect(folderLabelsOf('footwear/Sandal/b.png', kinds)).toEqual({ classPath: 'footwear/Sandal', superclassPaths: ['footwear'] });
    expect(folderLabelsOf('footwear/loose.png', kinds)).toEqual({ classPath: null, superclassPaths: ['footwear'] });
    expect(folderLabelsOf('x/y/z/deep.png', kinds)).toEqual({ classPath: 'x/y/z', superclassPaths: ['x/y', 'x'] });
    expect(ancestorsOf('a/b/c')).toEqual(['a/b', 'a']);
  });

  it('matches a class by path, or by folder name when that is unique', () => {
    const match = classMatcher(folderKinds(tree));
    expect(match('footwear/Sandal')).toEqual({ path: 'footwear/Sandal' });
    expect(match('Sneaker')).toEqual({ path: 'footwear/Sneaker' });
    expect(match('Sandal')).toEqual({ ambiguous: ['footwear/Sandal', 'other/Sandal'] });
    expect(match('footwear')).toBeNull(); // a superclass is not a class
    expect(match('striped')).toBeNull();
  });
});

describe('labels CSV', () => {
  it('parses RFC 4180: quotes, escaped quotes, commas and newlines in quotes, CRLF, BOM, blank lines', () => {
    const text = '\ufeffpath,label\r\n"a,b.png","say ""hi""",x\r\n\r\nc.png,"two\nlines"\nd.png,z';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['path', 'label'] },
      { line: 2, fields: ['a,b.png', 'say "hi"', 'x'] },
      { line: 4, fields: ['c.png', 'two\nlines'] },
      { line: 6, fields: ['d.png', 'z'] },
    ]);
    expect(() => parseCsv('a.png,"open')).toThrow(/line 1.*never closed/);
  });

  const files = new Set(tree);
  const kinds = folderKinds(tree);

  it('reads rows with or without a header, merges repeated paths, normalises separators', async () => {
    const dir = await tempDir('csv');
    const csv = join(dir, 'labels.csv');
    await writeFile(csv, 'path,label,label\nBag/a.png,striped\n./footwear\\Sandal\\b.png,dark,Sneaker\nBag/a.png,striped,round\n');
    const got = await readLabelsCsv(csv, files, kinds);
    expect(Object.fromEntries(got.rows)).toEqual({
      'Bag/a.png': { line: 2, labels: ['striped', 'round'] },
      'footwear/Sandal/b.png': { line: 3, labels: ['dark', 'Sneaker'] },
    });
    expect(got.sha256).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(csv, 'root.png,a\n');
    expect([...(await readLabelsCsv(csv, files, kinds)).rows.keys()]).toEqual(['root.png']);
  });

  it('rejects bad rows with the file and every line named', async () => {
    const dir = await tempDir('csv');
    const csv = join(dir, 'bad.csv');
    await writeFile(
      csv,
      [
        'path,label',
        'Bag/a.png,ok',
        'missing.png,x',
        'Bag/a.png',
        '../outside.png,x',
        'root.png,Sandal',
        'root.png,Sneaker,Bag',
        '/abs.png,y',
      ].join('\n'),
    );
    const err = (await readLabelsCsv(csv, files, kinds).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain(csv);
    expect(err.message).toContain('line 3: missing.png is not a file');
    expect(err.message).toContain('line 4: a row needs a path and at least one label');
    expect(err.message).toContain('line 5: "../outside.png" is not a path relative');
    expect(err.message).toContain('line 6: label "Sandal" matches several classes');
    expect((err.data as { problems: { line: number }[] }).problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(err.message).toMatch(/given two classes/);
  });

  it('names a missing CSV as not_found', async () => {
    const dir = await tempDir('csv');
    await expect(readLabelsCsv(join(dir, 'nope.csv'), files, kinds)).rejects.toMatchObject({ code: 'not_found' });
  });
});

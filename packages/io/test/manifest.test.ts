import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/dataset/csv.js';
import { ManifestError, parseManifestCsv, parseManifestJson, readManifest } from '../src/dataset/manifest.js';

const good = { id: 'a-1', image: 'images/a.nii.gz', lesion: 'lesions/a.nii.gz', label: 'covid' };

describe('manifest JSON', () => {
  it('accepts the object form and the bare array', () => {
    expect(parseManifestJson(JSON.stringify({ version: 1, scans: [good] }))).toEqual([good]);
    expect(
      parseManifestJson(JSON.stringify([good, { id: 'b', image: 'b.nii', label: 'normal' }])),
    ).toHaveLength(2);
  });
  it.each([
    {
      name: 'a bad label',
      rows: [good, { ...good, id: 'b', label: 'flu' }],
      row: 2,
      field: 'label',
      msg: /row 2 \(id 'b'\), field 'label': must be one of covid, cap, normal, got "flu"/,
    },
    {
      name: 'a missing image',
      rows: [{ id: 'x', label: 'cap' }],
      row: 1,
      field: 'image',
      msg: /row 1 \(id 'x'\), field 'image': is missing/,
    },
    {
      name: 'an empty id',
      rows: [{ ...good, id: '' }],
      row: 1,
      field: 'id',
      msg: /row 1, field 'id': must not be empty/,
    },
    {
      name: 'an id with a slash',
      rows: [{ ...good, id: 'a/b' }],
      row: 1,
      field: 'id',
      msg: /letters, digits/,
    },
    {
      name: 'a duplicate id',
      rows: [good, { ...good }],
      row: 2,
      field: 'id',
      msg: /row 2 \(id 'a-1'\), field 'id': duplicates row 1/,
    },
    {
      name: 'a numeric lesion path',
      rows: [{ ...good, lesion: 3 }],
      row: 1,
      field: 'lesion',
      msg: /field 'lesion'/,
    },
    {
      name: 'a row that is not an object',
      rows: [good, 'x'],
      row: 2,
      field: '',
      msg: /row 2: expected an object/,
    },
  ])('$name: a ManifestError naming row $row and field "$field"', ({ rows, row, field, msg }) => {
    const f = () => parseManifestJson(JSON.stringify({ scans: rows }), 'm.json');
    expect(f).toThrow(ManifestError);
    expect(f).toThrow(msg);
    try {
      f();
    } catch (e) {
      expect((e as ManifestError).row).toBe(row);
      expect((e as ManifestError).field).toBe(field);
    }
  });
  it.each([
    ['invalid JSON', '{', /not valid JSON/],
    ['no scans array', '{"x": 1}', /"scans" array/],
    ['an unknown version', '{"version": 2, "scans": []}', /version 2/],
    ['no scans', '[]', /lists no scans/],
  ])('%s is a ManifestError', (_, text, msg) => {
    expect(() => parseManifestJson(text)).toThrow(msg);
  });
});

describe('manifest CSV', () => {
  it('parses quoted fields, CRLF, empty optional masks and extra columns', () => {
    const e = parseManifestCsv(
      'id,image,lesion,lung,label,site\r\na,"dir, with comma/a.nii",,l.nii,cap,"x ""y"""\r\n\r\n',
    );
    expect(e).toEqual([
      { id: 'a', image: 'dir, with comma/a.nii', lung: 'l.nii', label: 'cap', extra: { site: 'x "y"' } },
    ]);
  });
  it.each([
    ['a missing label column', 'id,image\na,b.nii\n', /no 'label' column/],
    ['a short row', 'id,image,label\na,b.nii\n', /row 1 \(line 2\): 2 fields, the header has 3/],
    [
      'a bad label on row 3',
      'id,image,label\na,a.nii,covid\nb,b.nii,cap\nc,c.nii,COVID\n',
      /row 3 \(id 'c'\), field 'label'/,
    ],
    ['an unclosed quote', 'id,image,label\n"a,b.nii,cap\n', /never closed/],
    ['an empty file', '', /empty file/],
  ])('%s', (_, text, msg) => {
    expect(() => parseManifestCsv(text, 'm.csv')).toThrow(msg);
  });
  it('parseCsv keeps line numbers across quoted newlines', () => {
    expect(parseCsv('a,"x\ny"\nb,c\n')).toEqual([
      { line: 1, fields: ['a', 'x\ny'] },
      { line: 3, fields: ['b', 'c'] },
    ]);
  });
});

describe('readManifest', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  it('resolves paths against the manifest folder and checks files exist', async () => {
    const d = await mkdtemp(join(tmpdir(), 'deepsc-manifest-'));
    dirs.push(d);
    await writeFile(join(d, 'a.nii'), 'x');
    await writeFile(join(d, 'm.csv'), 'id,image,lesion,label\na,a.nii,,normal\n');
    const m = await readManifest(join(d, 'm.csv'));
    expect(m.entries[0]?.image).toBe(join(d, 'a.nii'));
    await writeFile(
      join(d, 'bad.json'),
      JSON.stringify([
        { id: 'a', image: 'a.nii', label: 'cap' },
        { id: 'b', image: 'a.nii', lung: 'nope.nii', label: 'cap' },
      ]),
    );
    await expect(readManifest(join(d, 'bad.json'))).rejects.toThrow(
      /row 2 \(id 'b'\), field 'lung': file not found/,
    );
    expect((await readManifest(join(d, 'bad.json'), { checkFiles: false })).entries).toHaveLength(2);
    await writeFile(join(d, 'm.txt'), '');
    await expect(readManifest(join(d, 'm.txt'))).rejects.toThrow(/\.json or \.csv/);
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadRunFolder,
  parseTrainingLog,
  type ReportData,
  renderReportHtml,
  trainingCharts,
  writeExampleRun,
  writeRunReport,
} from '../src/index.js';

let dir: string;
let data: ReportData;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-report-'));
  await writeExampleRun(join(dir, 'run'));
  data = await loadRunFolder(join(dir, 'run'), { bootstrap: { resamples: 200 } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadRunFolder on a synthetic run', () => {
  it('reads the run, the log and the predictions', () => {
    expect(data.run.name).toBe('synthetic');
    expect(data.run.classes).toEqual(['COVID-19', 'CAP', 'non-pneumonia']);
    expect(data.training).toHaveLength(10);
    expect(data.classification?.scans).toBe(6);
    // cap-02 is predicted COVID-19: 5 of 6 right
    expect(data.classification?.accuracy.value).toBeCloseTo(5 / 6, 12);
    expect(data.warnings).toEqual([]);
  });

  it('computes segmentation metrics per scan, both-empty for the normal scans', () => {
    const seg = data.segmentation!;
    expect(seg.perScan.map((s) => s.id)).toEqual([
      'cap-01',
      'cap-02',
      'covid-01',
      'covid-02',
      'normal-01',
      'normal-02',
    ]);
    expect(seg.summary.cases['both-empty']).toBe(2);
    const unshifted = seg.perScan.find((s) => s.id === 'covid-02')!.metrics;
    expect(unshifted.dice).toBe(1);
    const shifted = seg.perScan.find((s) => s.id === 'covid-01')!.metrics;
    expect(shifted.dice).toBeLessThan(1);
    expect(shifted.dice).toBeGreaterThan(0.3);
  });

  it('computes findings per class that tell COVID-19 from CAP as built', () => {
    const truth = data.findings.find((f) => f.source === 'truth')!;
    expect(truth.scans).toBe(6);
    const [covid, cap, normal] = truth.classes;
    expect(covid!.countFractions[3]! + covid!.countFractions[2]!).toBe(1);
    expect(cap!.countFractions[1]).toBe(1);
    expect(normal!.countFractions[0]).toBe(1);
    expect(covid!.bilateralRate).toBe(1);
    expect(cap!.bilateralRate).toBe(0);
    // CAP lesions were built at +40 and -200 HU, COVID-19 ones near -650
    expect(Math.max(...cap!.consolidationFractions)).toBe(1);
    expect(Math.min(...covid!.groundGlassFractions)).toBe(1);
    expect(data.findings.map((f) => f.source)).toEqual(['truth', 'prediction']);
  });

  it('renders axial and coronal slices with contours and evidence for every scan', () => {
    expect(data.scans).toHaveLength(6);
    for (const s of data.scans) {
      expect(s.images.map((i) => `${i.plane}/${i.layer}`)).toEqual([
        'axial/contours',
        'axial/evidence',
        'coronal/contours',
        'coronal/evidence',
      ]);
      for (const im of s.images) {
        expect(Buffer.from(im.png, 'base64').subarray(1, 4).toString()).toBe('PNG');
        expect(im.width).toBeGreaterThan(10);
      }
    }
    // 4 x 4 x 8 mm voxels: coronal slices are resampled to square pixels, 160 mm high and 192 mm wide
    const cor = data.scans[0]!.images[2]!;
    expect(cor.height / cor.width).toBeCloseTo((20 * 8) / (48 * 4), 1);
    // the axial slice goes through the largest lesion section of cap-01 (centre k = 10)
    expect(data.scans[0]!.images[0]!.index).toBe(10);
  });

  it('warns about scans that lack the lung mask, and leaves them out of the findings', async () => {
    await writeExampleRun(join(dir, 'nolung'));
    await rm(join(dir, 'nolung', 'scans', 'cap-01', 'lung.nii.gz'));
    const d = await loadRunFolder(join(dir, 'nolung'), { bootstrap: { resamples: 20 }, maxScanViews: 1 });
    expect(d.warnings).toEqual([
      'scan cap-01: no lung volume, so no findings from its truth mask',
      'scan cap-01: no lung volume, so no findings from its prediction mask',
    ]);
    expect(d.findings[0]!.scans).toBe(5);
    expect(d.scans).toHaveLength(1);
    expect(renderReportHtml(d)).toContain('<li class="warn">scan cap-01: no lung volume');
  });

  it('keeps going without scans: JSON files only', async () => {
    await writeExampleRun(join(dir, 'bare'), 'none');
    const d = await loadRunFolder(join(dir, 'bare'), { bootstrap: { resamples: 50 } });
    expect(d.classification?.scans).toBe(6);
    expect(d.segmentation).toBeUndefined();
    expect(d.findings).toEqual([]);
    expect(d.scans).toEqual([]);
    const html = renderReportHtml(d);
    expect(html).not.toContain('id="segmentation"');
    expect(html).toContain('id="classification"');
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained page: no scripts, no external references', () => {
    const html = renderReportHtml(data);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/);
    // training (4 metrics), confusion + 3 ROC, 4 findings plots x 2 sources
    expect(html.match(/<svg class="figure"/g)).toHaveLength(4 + 4 + 8);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(24);
    for (const id of [
      'summary',
      'training',
      'classification',
      'segmentation',
      'findings-truth',
      'findings-prediction',
      'scans',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
  });

  it('escapes text from the run folder', () => {
    const html = renderReportHtml({
      ...data,
      run: { ...data.run, name: '<img src=x onerror=alert(1)>' },
      title: 'a & b',
    });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x');
    expect(html).toContain('<title>a &#38; b</title>');
  });
});

describe('run folder errors', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no run.json', {}, /run\.json not found: a run folder needs run\.json/],
    ['run.json not JSON', { 'run.json': '{name' }, /run\.json: not valid JSON/],
    [
      'run.json without classes',
      { 'run.json': '{"name":"x"}' },
      /"classes" must list at least 2 class names/,
    ],
    [
      'predictions with an unknown label',
      {
        'run.json': '{"name":"x","classes":["a","b"]}',
        'predictions.json': '{"scans":[{"id":"s","label":"c","probabilities":[0.5,0.5]}]}',
      },
      /scans\[0\] \(s\) has label "c", expected one of \["a","b"\]/,
    ],
    [
      'predictions with too few probabilities',
      {
        'run.json': '{"name":"x","classes":["a","b"]}',
        'predictions.json': '{"scans":[{"id":"s","probabilities":[1]}]}',
      },
      /needs 2 finite probabilities/,
    ],
    [
      'predictions with a path as id',
      {
        'run.json': '{"name":"x","classes":["a","b"]}',
        'predictions.json': '{"scans":[{"id":"../s","probabilities":[1,0]}]}',
      },
      /id must be a non-empty string without slashes/,
    ],
    [
      'a bad log line',
      {
        'run.json': '{"name":"x","classes":["a","b"]}',
        'metrics.jsonl': '{"epoch":1,"loss":1}\n{"loss":2}\n',
      },
      /metrics\.jsonl:2: "epoch" must be a number/,
    ],
  ];
  it.each(cases)('%s', async (_n, files, msg) => {
    const d = await mkdtemp(join(tmpdir(), 'deepsc-bad-run-'));
    try {
      for (const [f, text] of Object.entries(files)) await writeFile(join(d, f), text);
      await expect(loadRunFolder(d)).rejects.toThrow(msg);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

describe('training log', () => {
  it('parses JSON lines, defaults the split, ignores non-numeric fields', () => {
    const r = parseTrainingLog(
      '{"epoch":1,"step":10,"loss":2,"note":"x","dice":null}\n\n{"epoch":1,"split":"val","loss":3}\n',
    );
    expect(r).toEqual([
      { epoch: 1, split: 'train', values: { loss: 2 } },
      { epoch: 1, split: 'val', values: { loss: 3 } },
    ]);
    expect(trainingCharts(r)).toEqual([
      {
        metric: 'loss',
        series: [
          { split: 'train', points: [[1, 2]] },
          { split: 'val', points: [[1, 3]] },
        ],
      },
    ]);
  });
  it.each([
    ['{"epoch":1', /metrics\.jsonl:1: not valid JSON/],
    ['[1,2]', /expected a JSON object per line/],
    ['{"epoch":"1"}', /"epoch" must be a number, got "1"/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseTrainingLog(text)).toThrow(msg);
  });
});

describe('writeRunReport', () => {
  it('writes report.html into the run folder by default', async () => {
    const r = await writeRunReport(join(dir, 'bare'), undefined, { bootstrap: { resamples: 20 } });
    expect(r.path).toBe(join(dir, 'bare', 'report.html'));
    const html = await readFile(r.path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.bytes).toBe(Buffer.byteLength(html));
  });
});

/**
 * `plugins` in the training configuration: paths relative to the config file, loaded before
 * the network is built (train, resume, predict); a library that does not load is a ConfigError
 * naming the entry (exit 2 in the CLI).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadPlugins, resolveTrainConfig } from '../src/index.js';

const base = { data: { manifest: 'm.json' } };
// The engine's test plugins, built by native's fixture (imported by URL: outside this package).
const fixture = new URL('../../../native/test/fixtures/plugins/build.ts', import.meta.url).href;

describe('plugins in the configuration', () => {
  it('resolves relative paths against the config file and keeps absolute ones', () => {
    const c = resolveTrainConfig({ ...base, plugins: ['lib/libmy_op.so', '/opt/x.so'] }, { baseDir: '/r' });
    expect(c.plugins).toEqual(['/r/lib/libmy_op.so', '/opt/x.so']);
    expect(resolveTrainConfig(base, { baseDir: '/r' }).plugins).toEqual([]);
  });

  const bad: { name: string; plugins: unknown; fragment: string }[] = [
    { name: 'a string instead of a list', plugins: 'x.so', fragment: 'plugins' },
    { name: 'an empty path', plugins: [''], fragment: 'plugins[0]: got ""' },
  ];
  it.each(bad)('refuses $name', ({ plugins, fragment }) => {
    expect(() => resolveTrainConfig({ ...base, plugins })).toThrow(ConfigError);
    try {
      resolveTrainConfig({ ...base, plugins });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toContain(fragment);
    }
  });

  it('loads the libraries, and a second load is a no-op', async () => {
    const { buildTestPlugins } = (await import(fixture)) as { buildTestPlugins: () => { good: string } };
    const good = buildTestPlugins().good;
    const [lib] = loadPlugins([good], 'train.json');
    expect(lib?.ops.map((o) => o.name)).toContain('t_axpb');
    expect(loadPlugins([good, good], 'train.json').map((l) => l.path)).toEqual([lib?.path, lib?.path]);
    expect(loadPlugins(undefined, 'an old checkpoint')).toEqual([]);
  }, 120_000);

  it('a library that does not load is a ConfigError naming the entry and the reason', () => {
    let caught: unknown;
    try {
      loadPlugins(['/nonexistent/libnone.so'], 'train.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const msg = (caught as ConfigError).message;
    expect(msg).toContain('train.json');
    expect(msg).toContain("plugins[0]: loadOpLibrary: no plugin library at '/nonexistent/libnone.so'");
  });
});

/**
 * What a new user finds in the manifest: shortcuts that take no character from any keyboard
 * (Ctrl+Alt is AltGr on many layouts), settings in ordered categories with the provider and model
 * first, Compare Models in the view's … menu, and a walkthrough whose every step has its media
 * (shipped in the VSIX) and completes on a command Sidestream contributes.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_ROOT, readRawManifest, type SettingsCategory } from './helpers/manifest';

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  when?: string;
}
interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    keybindings: Keybinding[];
    menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
    configuration: Array<SettingsCategory>;
    walkthroughs: Array<{ id: string; steps: Array<{ id: string; media: { markdown?: string; image?: string; altText?: string }; completionEvents?: string[] }> }>;
  };
}
const manifest = readRawManifest() as Manifest;
const contributed = new Set(manifest.contributes.commands.map((c) => c.command));

describe('Manifest: shortcuts', () => {
  it('use no Ctrl+Alt (AltGr) chord on Windows and Linux, and every one has a when clause', () => {
    for (const b of manifest.contributes.keybindings) {
      for (const part of b.key.split(' ')) {
        const mods = part.split('+').slice(0, -1);
        assert.ok(!(mods.includes('ctrl') && mods.includes('alt')), `${b.command}: ${b.key} is AltGr+key on many layouts`);
      }
      assert.ok(contributed.has(b.command), `${b.command} is a contributed command`);
      assert.ok(b.when, `${b.command}: ${b.key} has a when clause`);
    }
  });

  it('keep Ask About Selection and Ask a Question on a key, and Escape stopping a stream in the panel and in Compare', () => {
    const keyOf = (command: string) => manifest.contributes.keybindings.filter((b) => b.command === command);
    assert.deepEqual(
      keyOf('sidestream.askAboutSelection').map((b) => [b.key, b.mac]),
      [['ctrl+k a', 'cmd+k a']],
    );
    assert.deepEqual(
      keyOf('sidestream.ask').map((b) => [b.key, b.mac]),
      [['ctrl+k q', 'cmd+k q']],
    );
    assert.deepEqual(
      keyOf('sidestream.cancel').map((b) => b.key),
      ['escape', 'escape'],
    );
  });

  it('are the ones the README lists', () => {
    const readme = fs.readFileSync(path.join(MANIFEST_ROOT, 'README.md'), 'utf8');
    for (const label of ['**Ctrl+K A** (**⌘K A**)', '**Ctrl+K Q** (**⌘K Q**)', '**Escape**']) assert.ok(readme.includes(label), label);
  });
});

describe('Manifest: settings, menus and walkthrough', () => {
  it('groups the settings in titled categories, in order, provider and model first', () => {
    const categories = manifest.contributes.configuration;
    assert.ok(Array.isArray(categories) && categories.length >= 3);
    assert.deepEqual(
      categories.map((c) => c.order),
      categories.map((_, i) => i + 1),
    );
    for (const c of categories) assert.match(c.title ?? '', /^%config\.category\.\w+\.title%$/);
    assert.deepEqual(Object.keys(categories[0]!.properties).slice(0, 2), ['sidestream.provider', 'sidestream.model']);
  });

  it("has Compare Models in the view's … menu (a non-navigation group)", () => {
    const item = manifest.contributes.menus['view/title']?.find((m) => m.command === 'sidestream.compareModels');
    assert.ok(item && item.when === 'view == sidestream.chatView' && item.group && !item.group.startsWith('navigation'), JSON.stringify(item));
  });

  it('has a walkthrough of six steps, each with media the VSIX ships and a completion on a Sidestream command or setting', function () {
    this.timeout(60_000);
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.ok(walkthrough);
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id.replace('sidestream.', '')),
      ['chooseProvider', 'connect', 'askSelection', 'stop', 'compare', 'figures'],
    );
    const vsce = path.join(MANIFEST_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const shipped = new Set(
      execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: MANIFEST_ROOT, encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim()),
    );
    for (const step of walkthrough.steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && fs.existsSync(path.join(MANIFEST_ROOT, media)), `${step.id}: ${media}`);
      assert.ok(shipped.has(media), `${step.id}: the VSIX ships ${media}`);
      assert.ok(step.completionEvents?.length, `${step.id} completes`);
      for (const event of step.completionEvents ?? []) {
        const [kind, what] = event.split(':');
        if (kind === 'onCommand') assert.ok(contributed.has(what!), `${step.id}: ${event}`);
        else assert.ok(kind === 'onSettingChanged' && what!.startsWith('sidestream.'), `${step.id}: ${event}`);
      }
    }
  });
});

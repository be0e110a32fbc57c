/**
 * lazyFeature in the real extension host: commands registered with stand-ins run the real handler
 * (with the arguments the stand-in got) once the feature is created; the loader, not the feature,
 * registers the real commands, so a feature whose loading or creation fails — or that offers other
 * commands than it was declared with — leaves exactly its stand-ins, reports the error to the
 * caller, and the next run tries again.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { lazyFeature } from '../../src/platform/featureLoader';

/** What `load` returns here: a stand-in for dist/features.js, which these tests never touch. */
const BUNDLE = { name: 'the bundle' };

async function registered(id: string): Promise<boolean> {
  return (await vscode.commands.getCommands(false)).includes(id);
}

describe('lazyFeature (stand-in commands, real extension host)', () => {
  let n = 0;
  const ids = (): [string, string] => {
    n += 1;
    return [`sidestream.test.lazy${n}a`, `sidestream.test.lazy${n}b`];
  };

  it('the first run creates the feature once and runs the real handler with its arguments; the others are real too', async () => {
    const [a, b] = ids();
    let creations = 0;
    let loadedWith: unknown;
    const feature = lazyFeature(
      [a, b],
      () => BUNDLE,
      (bundle) => {
        creations += 1;
        loadedWith = bundle;
        return { value: 'the feature', commands: { [a]: (x: number, y: number) => `a:${x + y}`, [b]: () => 'b' } };
      },
    );
    try {
      assert.equal(feature.loaded, undefined, 'created before first use');
      assert.ok(await registered(a), 'the stand-in is not registered');
      assert.equal(await vscode.commands.executeCommand(a, 2, 3), 'a:5');
      assert.equal(await vscode.commands.executeCommand(b), 'b');
      assert.equal(feature.loaded, 'the feature');
      assert.equal(creations, 1);
      assert.equal(loadedWith, BUNDLE, 'create was not given what load returned');
    } finally {
      feature.dispose();
    }
    assert.ok(!(await registered(a)) && !(await registered(b)), 'dispose left a command behind');
  });

  it('a failed load or create reaches the caller; the commands stay and the next run succeeds', async () => {
    const [a, b] = ids();
    let loadFails = true;
    let createFails = true;
    const feature = lazyFeature(
      [a, b],
      () => {
        if (loadFails) {
          loadFails = false;
          throw new Error('load failed');
        }
        return BUNDLE;
      },
      () => {
        if (createFails) {
          createFails = false;
          throw new Error('create failed');
        }
        return { value: 'ok', commands: { [a]: (x: string) => `a:${x}`, [b]: () => 'b' } };
      },
    );
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(b)), /load failed/);
      assert.ok((await registered(a)) && (await registered(b)), 'a failed load dropped the commands');
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(b)), /create failed/);
      assert.ok((await registered(a)) && (await registered(b)), 'a failed create dropped the commands');
      assert.equal(feature.loaded, undefined);
      assert.equal(await vscode.commands.executeCommand(a, 'again'), 'a:again', 'the next run did not create the feature');
      assert.equal(feature.loaded, 'ok');
    } finally {
      feature.dispose();
    }
  });

  it('a feature created with other commands than declared is refused whole: its disposables go, the stand-ins stay', async () => {
    const [a, b] = ids();
    let disposed = 0;
    let complete = false;
    const feature = lazyFeature(
      [a, b],
      () => BUNDLE,
      () => ({
        value: 'half',
        // The first creation forgets `b`: nothing of it may be registered.
        commands: complete ? { [a]: () => 'a', [b]: () => 'b' } : { [a]: () => 'a' },
        disposables: [{ dispose: () => void (disposed += 1) }],
      }),
    );
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(a)), /commands/);
      assert.equal(disposed, 1, "the refused feature's disposables were not disposed");
      assert.equal(feature.loaded, undefined);
      assert.ok((await registered(a)) && (await registered(b)), 'a refused feature dropped a stand-in');
      complete = true;
      assert.equal(await vscode.commands.executeCommand(b), 'b');
    } finally {
      feature.dispose();
    }
    assert.equal(disposed, 2, "dispose did not dispose the feature's disposables");
  });
});

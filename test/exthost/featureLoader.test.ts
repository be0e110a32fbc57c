/**
 * lazyFeature in the real extension host: commands registered with stand-ins run the real handler
 * (with the arguments the stand-in got) once the feature is created; a feature whose loading or
 * creation fails leaves its commands registered, reports the error to the caller, and the next run
 * tries again.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type * as Features from '../../src/features';
import { lazyFeature } from '../../src/panel/featureLoader';

/** What `create` receives; these tests never touch it (dist/features.js is the extension's own). */
const NO_FEATURES = {} as typeof Features;

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
    const feature = lazyFeature(
      [a, b],
      () => {
        creations += 1;
        return {
          value: 'the feature',
          disposables: [vscode.commands.registerCommand(a, (x: number, y: number) => `a:${x + y}`), vscode.commands.registerCommand(b, () => 'b')],
        };
      },
      () => NO_FEATURES,
    );
    try {
      assert.equal(feature.loaded, undefined, 'created before first use');
      assert.ok(await registered(a), 'the stand-in is not registered');
      assert.equal(await vscode.commands.executeCommand(a, 2, 3), 'a:5');
      assert.equal(await vscode.commands.executeCommand(b), 'b');
      assert.equal(feature.loaded, 'the feature');
      assert.equal(creations, 1);
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
        if (createFails) {
          createFails = false;
          throw new Error('create failed');
        }
        return { value: 'ok', disposables: [vscode.commands.registerCommand(a, (x: string) => `a:${x}`), vscode.commands.registerCommand(b, () => 'b')] };
      },
      () => {
        if (loadFails) {
          loadFails = false;
          throw new Error('load failed');
        }
        return NO_FEATURES;
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
});

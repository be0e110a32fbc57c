/**
 * Child process for B9: loads an extension bundle with a stub `vscode` module (intercepted in
 * Module._load), times require + activate(), and reports whether the core or any SDK was loaded.
 * With a watch time, it then waits that long and reports what the window did meanwhile: connections
 * opened (any TCP socket, any fetch) and the core, the features bundle or an SDK loaded — a window
 * that never opens Sidestream must do none of it. Prints one JSON line.
 * Usage: node activateProbe.js <path/to/extension.js> [mode] [storage folder | -] [watch ms]
 */
import * as diagnostics from 'node:diagnostics_channel';
import Module from 'node:module';
import * as path from 'node:path';

type AnyFn = (...args: unknown[]) => unknown;

/** A do-nothing value for any API: callable, constructible, every property another stub. */
function stub(name: string): unknown {
  const cache = new Map<PropertyKey, unknown>();
  const target = function () {} as unknown as AnyFn;
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'then' || prop === Symbol.iterator || prop === Symbol.asyncIterator) return undefined;
      if (prop === Symbol.toPrimitive) return () => `[stub ${name}]`;
      if (prop === 'prototype') return (t as unknown as { prototype: unknown }).prototype;
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`) as object,
  });
}

const disposable = { dispose() {} };

class EventEmitter<T> {
  private listeners: Array<(e: T) => void> = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => void (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

const memento = { get: (_k: string, d?: unknown) => d, update: async () => undefined, keys: () => [] };
const config = { get: (_k: string, d?: unknown) => d, has: () => false, inspect: () => undefined, update: async () => undefined };

/** Namespaces and classes of the API; a plain object so bundlers' `__toESM` can copy its keys. */
const API_NAMES = [
  'window',
  'commands',
  'workspace',
  'env',
  'lm',
  'chat',
  'extensions',
  'languages',
  'l10n',
  'Uri',
  'CancellationTokenSource',
  'ConfigurationTarget',
  'LanguageModelChatMessage',
  'LanguageModelError',
  'ProgressLocation',
  'StatusBarAlignment',
  'ThemeColor',
  'ThemeIcon',
  'MarkdownString',
  'ViewColumn',
  'QuickPickItemKind',
  'LogLevel',
  'ExtensionMode',
];

function makeVscode(): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const name of API_NAMES) api[name] = stub(name);
  api.EventEmitter = EventEmitter;
  api.ExtensionMode = { Production: 1, Development: 2, Test: 3 };
  api.Disposable = class {
    static from = () => disposable;
    constructor(private readonly fn: () => void) {}
    dispose() {
      this.fn();
    }
  };
  api.workspace = new Proxy(stub('workspace') as object, {
    get: (t, p) => (p === 'getConfiguration' ? () => config : p === 'onDidChangeConfiguration' ? () => disposable : (t as Record<PropertyKey, unknown>)[p]),
  });
  return api;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: activateProbe <extension.js> [extensionMode: 1 production, 2 development, 3 test] [storage folder]');
  const mode = Number(process.argv[3] ?? 1);
  // The workspace storage folder the chats are read from (B10 fills it with saved chats).
  const storage = process.argv[4] && process.argv[4] !== '-' ? process.argv[4] : undefined;
  const watchMs = Number(process.argv[5] ?? 0);
  // Every connection the process opens from here on: a TCP socket (http, undici) or a fetch.
  const connections: string[] = [];
  const onSocket = (message: unknown) => {
    const socket = (message as { socket?: { remoteAddress?: string; remotePort?: number; _host?: string } }).socket;
    connections.push(`socket ${socket?._host ?? socket?.remoteAddress ?? '?'}`);
  };
  diagnostics.subscribe('net.client.socket', onSocket);
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    connections.push(`fetch ${typeof input === 'string' ? input : input instanceof URL ? input.href : input.url}`);
    return realFetch(input, init);
  }) as typeof fetch;
  const vscode = makeVscode();
  const original = (Module as unknown as { _load: AnyFn })._load;
  (Module as unknown as { _load: AnyFn })._load = function (request: unknown, ...rest: unknown[]) {
    if (request === 'vscode') return vscode;
    return original.call(this, request, ...rest);
  };
  const context = {
    subscriptions: [] as unknown[],
    workspaceState: memento,
    globalState: { ...memento, setKeysForSync() {} },
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: () => disposable },
    extensionUri: stub('extensionUri'),
    extensionPath: '/ext',
    extensionMode: mode,
    logUri: stub('logUri'),
    storageUri: storage ? { scheme: 'file', fsPath: storage, path: storage, toString: () => `file://${storage}` } : undefined,
    globalStorageUri: stub('globalStorageUri'),
    environmentVariableCollection: stub('env'),
    asAbsolutePath: (p: string) => p,
  };
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(file) as { activate(ctx: unknown): unknown };
  const t1 = performance.now();
  const exported = ext.activate(context);
  const t2 = performance.now();
  const loaded = Object.keys(require.cache);
  const has = (re: RegExp) => loaded.some((k) => re.test(k));
  let quiet: { watchMs: number; connections: string[]; loadedLater: string[] } | undefined;
  if (watchMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, watchMs));
    const later = Object.keys(require.cache).filter((k) => !loaded.includes(k));
    quiet = {
      watchMs,
      connections,
      loadedLater: later.filter((k) => /[\\/](core|features)\.js$|node_modules[\\/](openai|@anthropic-ai|gpt-tokenizer)[\\/]/.test(k)).map((k) => path.basename(k)),
    };
  }
  process.stdout.write(
    JSON.stringify({
      requireMs: t1 - t0,
      activateMs: t2 - t1,
      totalMs: t2 - t0,
      subscriptions: context.subscriptions.length,
      exportsApi: exported !== undefined && exported !== null,
      coreLoaded: has(/[\\/]core\.js$/),
      featuresLoaded: has(/[\\/]features\.js$/),
      openaiLoaded: has(/node_modules[\\/]openai[\\/]/),
      anthropicLoaded: has(/node_modules[\\/]@anthropic-ai[\\/]/),
      tokenizerLoaded: has(/node_modules[\\/]gpt-tokenizer[\\/]/),
      modules: loaded.length,
      quiet,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.stack : String(err) }) + '\n');
  process.exitCode = 1;
});

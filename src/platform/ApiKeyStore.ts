import * as vscode from 'vscode';
import { KEYED_PROVIDERS, providerInfo, type KeyedProvider } from '../core/providerCatalog';

export { KEYED_PROVIDERS, type KeyedProvider };

/** How each keyed provider's key is named where the user sets it (the catalog's `keyLabel`). */
export function keyLabel(provider: KeyedProvider): string {
  return providerInfo(provider).keyLabel ?? providerInfo(provider).label;
}

/** API keys live in SecretStorage; the environment is the fallback. Keys are never logged or posted. */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(provider: KeyedProvider): Promise<{ key: string; source: 'secret-storage' | 'environment' } | undefined> {
    const stored = await this.secrets.get(secretId(provider));
    if (stored) return { key: stored, source: 'secret-storage' };
    const env = providerInfo(provider).keyEnv;
    const fromEnv = env ? process.env[env]?.trim() : undefined;
    return fromEnv ? { key: fromEnv, source: 'environment' } : undefined;
  }

  /** Whether SecretStorage holds a key for `provider` (the environment's does not count: it cannot be cleared here). */
  async stored(provider: KeyedProvider): Promise<boolean> {
    return Boolean(await this.secrets.get(secretId(provider)));
  }

  async set(provider: KeyedProvider, key: string): Promise<void> {
    await this.secrets.store(secretId(provider), key.trim());
  }

  async clear(provider: KeyedProvider): Promise<void> {
    await this.secrets.delete(secretId(provider));
  }

  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith('sidestream.apiKey.')) listener();
    });
  }
}

function secretId(provider: KeyedProvider): string {
  return `sidestream.apiKey.${provider}`;
}

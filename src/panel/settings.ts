import * as vscode from 'vscode';

export type ProviderSetting = 'auto' | 'openai' | 'anthropic' | 'ollama' | 'lmstudio' | 'llamacpp' | 'vllm' | 'openai-compatible' | 'vscode-lm';

export interface SidestreamSettings {
  provider: ProviderSetting;
  model: string;
  /** Only from user/machine settings: the `machine` scope keeps workspaces from setting it. */
  baseUrl: string;
  openaiApi: 'chat' | 'responses';
  maxOutputTokens: number;
  idleTimeoutSeconds: number;
  systemPrompt: string;
}

export function readSettings(): SidestreamSettings {
  const c = vscode.workspace.getConfiguration('sidestream');
  // Read the base URL from the global value only: even if a workspace file carries the key, it is ignored.
  const baseUrlInspect = c.inspect<string>('baseUrl');
  return {
    provider: c.get<ProviderSetting>('provider', 'auto'),
    model: c.get<string>('model', '').trim(),
    baseUrl: (baseUrlInspect?.globalValue ?? '').trim(),
    openaiApi: c.get<'chat' | 'responses'>('openai.api', 'chat'),
    maxOutputTokens: Math.max(1, Math.floor(c.get<number>('maxOutputTokens', 4096))),
    idleTimeoutSeconds: Math.max(1, c.get<number>('idleTimeoutSeconds', 60)),
    systemPrompt: c.get<string>('systemPrompt', ''),
  };
}
